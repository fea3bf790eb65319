/**
 * Topology settings as harmony.yaml declares them: per capability, which adapter provides it and
 * with what settings. Secrets are never values here, only the names of environment variables.
 */
import * as v from "valibot";

const nonEmpty = v.pipe(v.string(), v.nonEmpty("must not be empty"));
const seconds = v.pipe(v.number(), v.minValue(1), v.maxValue(3600));

const registrySettings = {
  url: nonEmpty,
  insecure: v.optional(v.boolean()),
  caFile: v.optional(nonEmpty),
  username: v.optional(nonEmpty),
  /** Name of the environment variable holding the password or token: never the secret itself. */
  passwordEnv: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"))),
};

/** RUN steps' network: `none` (the default) or `host`; a builder never needs a bridge. */
const buildNetwork = v.optional(v.picklist(["none", "host"]));
/** Where builders that produce OCI layouts write them (relative to harmony.yaml). */
const outputDir = v.optional(nonEmpty);

const containerBuilderConfig = v.variant("adapter", [
  v.strictObject({ adapter: v.literal("docker"), cacheFromRegistry: v.optional(v.boolean()), network: buildNetwork }),
  v.strictObject({ adapter: v.literal("buildkit"), host: nonEmpty, pushTo: v.optional(nonEmpty), outputDir, network: buildNetwork }),
  v.strictObject({ adapter: v.literal("k3d"), cluster: nonEmpty, network: buildNetwork }),
  v.strictObject({
    adapter: v.literal("buildah"),
    isolation: v.optional(v.picklist(["chroot", "oci"])),
    network: buildNetwork,
    storageDriver: v.optional(nonEmpty),
    root: v.optional(nonEmpty),
    runroot: v.optional(nonEmpty),
    outputDir,
  }),
  v.strictObject({ adapter: v.literal("daemonless"), outputDir, platform: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, "must be os/arch[/variant]"))) }),
]);

/** Layers exported from a Docker daemon: gzip (default, as docker push stores them) or pushed as they are. */
const compression = v.optional(v.picklist(["gzip", "none"]));

const ociRegistryConfig = v.variant("adapter", [
  v.strictObject({ adapter: v.literal("registry"), ...registrySettings, compression }),
  v.strictObject({ adapter: v.literal("harbor"), ...registrySettings, project: nonEmpty, compression }),
  v.strictObject({ adapter: v.literal("oci-layout"), path: nonEmpty, compression }),
  v.strictObject({ adapter: v.literal("noop") }),
]);

const helmRegistryConfig = v.variant("adapter", [
  v.strictObject({ adapter: v.literal("registry"), ...registrySettings }),
  v.strictObject({ adapter: v.literal("harbor"), ...registrySettings, project: nonEmpty }),
  v.strictObject({ adapter: v.literal("directory"), path: nonEmpty }),
  v.strictObject({ adapter: v.literal("noop") }),
]);

/** How long a deploy waits for another pipeline's lock on the same app and target. */
const lockWaitSeconds = v.optional(seconds);

const continuousDeliveryConfig = v.variant("adapter", [
  v.strictObject({ adapter: v.literal("helm"), helmVersion: v.optional(v.picklist([3, 4])), timeoutSeconds: v.optional(seconds), lockWaitSeconds }),
  v.strictObject({
    adapter: v.literal("argocd"),
    namespace: v.optional(nonEmpty, "argocd"),
    project: v.optional(nonEmpty, "default"),
    timeoutSeconds: v.optional(seconds),
    lockWaitSeconds,
    /** The cluster Argo CD deploys to, as registered in Argo CD (default https://kubernetes.default.svc: its own). */
    destinationServer: v.optional(nonEmpty),
  }),
  v.strictObject({ adapter: v.literal("gitops"), path: nonEmpty, commit: v.optional(v.boolean(), false) }),
]);

export const topologySchema = v.strictObject({
  containerBuilder: v.optional(containerBuilderConfig),
  ociRegistry: v.optional(ociRegistryConfig),
  helmRegistry: v.optional(helmRegistryConfig),
  continuousDelivery: v.optional(continuousDeliveryConfig),
});

export type TopologyConfig = v.InferOutput<typeof topologySchema>;
export type ContainerBuilderConfig = NonNullable<TopologyConfig["containerBuilder"]>;
export type OciRegistryConfig = NonNullable<TopologyConfig["ociRegistry"]>;
export type HelmRegistryConfig = NonNullable<TopologyConfig["helmRegistry"]>;
export type ContinuousDeliveryConfig = NonNullable<TopologyConfig["continuousDelivery"]>;
export const TOPOLOGY_NAMES = ["local", "ci", "production"] as const;
export type TopologyName = (typeof TOPOLOGY_NAMES)[number];
