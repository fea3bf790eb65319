/**
 * Where things will go, computed from configuration alone — no adapter is created and nothing is
 * contacted — so `plan` and `--dry-run` have no side effects.
 */
import { tagForVersion } from "../capabilities/index.ts";
import type { CapabilityName } from "../scores/score.ts";
import type { HelmRegistryConfig, OciRegistryConfig, TopologyConfig } from "./config.ts";

export function adapterNames(config: TopologyConfig): Record<CapabilityName, string | undefined> {
  return {
    containerBuilder: config.containerBuilder?.adapter,
    ociRegistry: config.ociRegistry?.adapter,
    helmRegistry: config.helmRegistry?.adapter,
    continuousDelivery: config.continuousDelivery?.adapter,
  };
}

function registryBase(config: { url: string; project?: string }): string {
  const url = config.url.replace(/^(https?|oci):\/\//, "").replace(/\/+$/, "");
  return config.project ? `${url}/${config.project}` : url;
}

export function imageLocation(config: OciRegistryConfig | undefined, app: string, version: string): string {
  const tag = tagForVersion(version);
  switch (config?.adapter) {
    case "registry":
    case "harbor":
      return `${registryBase(config)}/${app}:${tag}`;
    case "oci-layout":
      return `oci-layout:${config.path}/${app}:${tag}`;
    case "noop":
      return `(not published) ${app}:${tag}`;
    case undefined:
      return "(no ociRegistry)";
  }
}

export function chartLocation(config: HelmRegistryConfig | undefined, chart: string, version: string): string {
  switch (config?.adapter) {
    case "registry":
    case "harbor":
      return `oci://${registryBase(config)}/${chart}:${tagForVersion(version)}`;
    case "directory":
      return `${config.path}/${chart}-${version}.tgz`;
    case "noop":
      return `(not published) ${chart}:${version}`;
    case undefined:
      return "(no helmRegistry)";
  }
}
