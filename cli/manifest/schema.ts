/**
 * The harmony.yaml schema. Strict objects everywhere: a misspelled key is an error, not ignored.
 * Sources with several forms (image, chart) take exactly one key naming the form, which keeps error
 * messages about the key the user wrote instead of a union's "no variant matched".
 */
import * as v from "valibot";
import { TOPOLOGY_NAMES, topologySchema } from "../../topologies/config.ts";

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const nonEmpty = v.pipe(v.string(), v.nonEmpty("must not be empty"));
const stringMap = v.record(v.string(), v.string());
const port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
const seconds = v.pipe(v.number(), v.minValue(1), v.maxValue(3600));
const targetList = v.optional(v.array(nonEmpty), []);

export const appName = v.pipe(
  v.string(),
  v.maxLength(53, "must be at most 53 characters (helm release names are)"),
  v.regex(DNS_LABEL, "must be a DNS label: lowercase letters, digits and '-', starting and ending alphanumeric"),
);

const dockerfileImage = v.strictObject({
  file: v.optional(nonEmpty, "Dockerfile"),
  context: v.optional(nonEmpty, "."),
  buildArgs: v.optional(stringMap, {}),
  target: v.optional(nonEmpty),
  platforms: v.optional(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, "must be os/arch[/variant]"))), []),
});

const buildableImage = v.variant("kind", [
  v.strictObject({ kind: v.literal("bun"), entry: nonEmpty, port: v.optional(port) }),
  v.strictObject({ kind: v.literal("static-site"), dir: nonEmpty, port: v.optional(port) }),
  v.strictObject({ kind: v.literal("rust-leptos"), binary: nonEmpty, port: v.optional(port) }),
]);

const filesImage = v.strictObject({
  base: nonEmpty,
  files: v.pipe(v.array(v.strictObject({ from: nonEmpty, to: v.pipe(v.string(), v.startsWith("/", "must be an absolute path in the image")) })), v.minLength(1)),
  entrypoint: v.optional(v.array(v.string())),
  cmd: v.optional(v.array(v.string())),
  env: v.optional(stringMap),
  workdir: v.optional(nonEmpty),
  user: v.optional(nonEmpty),
  ports: v.optional(v.array(port)),
});

const imageSource = v.strictObject({
  dockerfile: v.optional(dockerfileImage),
  buildable: v.optional(buildableImage),
  files: v.optional(filesImage),
});

const resourceAmounts = v.strictObject({ cpu: v.optional(nonEmpty), memory: v.optional(nonEmpty) });

const webappBuilder = v.strictObject({
  kind: v.literal("webapp"),
  port: port,
  replicas: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1),
  hostNetwork: v.optional(v.boolean(), false),
  env: v.optional(stringMap, {}),
  ingress: v.optional(v.strictObject({ host: nonEmpty, path: v.optional(nonEmpty, "/") })),
  resources: v.optional(v.strictObject({ requests: v.optional(resourceAmounts), limits: v.optional(resourceAmounts) })),
  probePath: v.optional(v.pipe(v.string(), v.startsWith("/", "must be an absolute URL path such as /healthz"))),
});

const moduleBuilder = v.strictObject({
  kind: v.literal("module"),
  path: nonEmpty,
  options: v.optional(v.record(v.string(), v.unknown()), {}),
});

const chartSource = v.strictObject({
  directory: v.optional(nonEmpty),
  builder: v.optional(v.variant("kind", [webappBuilder, moduleBuilder])),
});

const smokeCheck = v.variant("type", [
  v.strictObject({
    type: v.literal("http"),
    url: nonEmpty,
    status: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599)), 200),
    bodyMatches: v.optional(nonEmpty),
    json: v.optional(v.strictObject({ field: nonEmpty, equals: v.string() })),
    timeoutSeconds: v.optional(seconds, 60),
    targets: targetList,
  }),
  v.strictObject({
    type: v.literal("job"),
    image: nonEmpty,
    command: v.pipe(v.array(v.string()), v.minLength(1)),
    timeoutSeconds: v.optional(seconds, 120),
    targets: targetList,
  }),
  v.strictObject({ type: v.literal("helm-test"), timeoutSeconds: v.optional(seconds, 300), targets: targetList }),
]);

export const appSchema = v.strictObject({
  name: appName,
  projectRoot: v.optional(nonEmpty, "."),
  image: imageSource,
  chart: chartSource,
  smoke: v.optional(v.array(smokeCheck), []),
  values: v.optional(v.record(v.string(), v.record(v.string(), v.unknown())), {}),
});

export const clusterTarget = v.strictObject({
  kind: v.optional(v.literal("cluster"), "cluster"),
  kubeconfig: v.optional(nonEmpty),
  context: v.optional(nonEmpty),
  namespace: v.pipe(v.string(), v.regex(DNS_LABEL, "must be a DNS label")),
  /** `{app}` is replaced by the app name. */
  releaseName: v.optional(nonEmpty, "{app}"),
  baseUrl: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
});

export const manifestSchema = v.strictObject({
  apps: v.pipe(v.array(appSchema), v.minLength(1, "declare at least one app")),
  targets: v.record(v.pipe(v.string(), v.regex(DNS_LABEL, "target names must be DNS labels")), clusterTarget),
  topologies: v.optional(v.record(v.picklist(TOPOLOGY_NAMES), topologySchema), {}),
});

export type ManifestInput = v.InferOutput<typeof manifestSchema>;
export type AppInput = v.InferOutput<typeof appSchema>;
