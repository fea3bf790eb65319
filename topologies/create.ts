/**
 * Turns a topology's configuration into live adapters. Each capability has a small table of
 * factories; an adapter not in the table is reported before any work starts, never mid-deploy.
 */
import { HarmonyError } from "../capabilities/index.ts";
import type { Capabilities, CapabilityName, Topology } from "../scores/score.ts";
import type { TopologyConfig, TopologyName } from "./config.ts";
import { createBuildahBuilder } from "./adapters/container-builder/buildah.ts";
import { createBuildkitBuilder } from "./adapters/container-builder/buildkit.ts";
import { createDaemonlessBuilder, type DaemonlessBuilderConfig } from "./adapters/container-builder/daemonless/daemonless.ts";
import { createDockerBuilder } from "./adapters/container-builder/docker.ts";
import { createK3dBuilder } from "./adapters/container-builder/k3d.ts";
import { createArgoCdDelivery } from "./adapters/continuous-delivery/argocd.ts";
import { createGitOpsDelivery } from "./adapters/continuous-delivery/gitops.ts";
import { createHelmDelivery } from "./adapters/continuous-delivery/helm.ts";
import { createDirectoryHelmRegistry } from "./adapters/helm-registry/directory.ts";
import { createHarborHelmRegistry, type HarborHelmSettings } from "./adapters/helm-registry/harbor.ts";
import { createNoopHelmRegistry } from "./adapters/helm-registry/noop.ts";
import { createOciHelmRegistry, type OciHelmSettings } from "./adapters/helm-registry/oci.ts";
import { chartAccessFor, withChartAccess } from "./chart-access.ts";
import { createHarborOciRegistry } from "./adapters/oci-registry/harbor.ts";
import { createNoopOciRegistry } from "./adapters/oci-registry/noop.ts";
import { createOciLayoutRegistry } from "./adapters/oci-registry/oci-layout.ts";
import { createRegistryOciRegistry } from "./adapters/oci-registry/registry.ts";
import { clientsByHost } from "./oci/connect.ts";

export interface AdapterEnv {
  /** Directory of harmony.yaml; relative paths in settings are resolved from it. */
  readonly projectDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

type Factory<C extends CapabilityName> = (config: never, env: AdapterEnv) => Capabilities[C];
type FactoryTable = { [C in CapabilityName]: Partial<Record<string, Factory<C>>> };

/** One entry per adapter in topologies/adapters/; the key is the `adapter:` value in harmony.yaml. */
export const FACTORIES: FactoryTable = {
  containerBuilder: {
    docker: createDockerBuilder,
    buildah: createBuildahBuilder,
    buildkit: createBuildkitBuilder,
    k3d: createK3dBuilder,
    // Base images come from registries through the native client, with stored credentials.
    daemonless: (config: DaemonlessBuilderConfig, env: AdapterEnv) => createDaemonlessBuilder(config, env, clientsByHost(env.projectDir, env.env)),
  },
  ociRegistry: {
    registry: createRegistryOciRegistry,
    harbor: createHarborOciRegistry,
    "oci-layout": createOciLayoutRegistry,
    noop: createNoopOciRegistry,
  },
  helmRegistry: {
    registry: (config: OciHelmSettings, env: AdapterEnv) => withChartAccess(createOciHelmRegistry(config, env), chartAccessFor(config, env.projectDir)),
    harbor: (config: HarborHelmSettings, env: AdapterEnv) => withChartAccess(createHarborHelmRegistry(config, env), chartAccessFor(config, env.projectDir)),
    directory: createDirectoryHelmRegistry,
    noop: createNoopHelmRegistry,
  },
  continuousDelivery: {
    helm: createHelmDelivery,
    argocd: createArgoCdDelivery,
    gitops: createGitOpsDelivery,
  },
};

export function availableAdapters(capability: CapabilityName): string[] {
  return Object.keys(FACTORIES[capability]);
}

export function createTopology(
  name: TopologyName,
  config: TopologyConfig,
  env: AdapterEnv,
  needs: readonly CapabilityName[],
): Topology {
  const capabilities: Partial<Record<CapabilityName, unknown>> = {};
  const problems: string[] = [];
  for (const capability of new Set(needs)) {
    const settings = config[capability];
    if (settings === undefined) {
      problems.push(`${capability}: no adapter declared (topologies.${name}.${capability})`);
      continue;
    }
    const factory = FACTORIES[capability][settings.adapter] as Factory<CapabilityName> | undefined;
    if (factory === undefined) {
      const have = availableAdapters(capability);
      problems.push(`${capability}: adapter "${settings.adapter}" is not available in this build (available: ${have.length ? have.join(", ") : "none yet"})`);
      continue;
    }
    capabilities[capability] = factory(settings as never, env);
  }
  if (problems.length > 0) {
    throw new HarmonyError("config", `topology "${name}" cannot run this pipeline:\n  ${problems.join("\n  ")}`, {
      hint: `set the adapters under topologies.${name} in harmony.yaml, or pick another with --topology`,
    });
  }
  return { name, capabilities: capabilities as Partial<Capabilities> };
}
