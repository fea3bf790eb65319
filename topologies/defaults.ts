/**
 * What each topology uses when harmony.yaml says nothing. `local` needs no infrastructure at all;
 * `ci` and `production` need a registry URL from the project.
 */
import type { TopologyConfig, TopologyName } from "./config.ts";

const DEFAULTS: Record<TopologyName, TopologyConfig> = {
  local: {
    containerBuilder: { adapter: "daemonless" },
    ociRegistry: { adapter: "oci-layout", path: ".harmony/images" },
    helmRegistry: { adapter: "directory", path: ".harmony/charts" },
    continuousDelivery: { adapter: "gitops", path: ".harmony/deploy", commit: false },
  },
  ci: {
    containerBuilder: { adapter: "docker" },
    continuousDelivery: { adapter: "helm" },
  },
  production: {
    containerBuilder: { adapter: "buildkit", host: "${BUILDKIT_HOST}" },
    continuousDelivery: { adapter: "argocd", namespace: "argocd", project: "default" },
  },
};

/** The declared settings over the topology's defaults, capability by capability. */
export function effectiveConfig(name: TopologyName, declared: TopologyConfig | undefined): TopologyConfig {
  return { ...DEFAULTS[name], ...declared };
}
