/**
 * HelmRegistry on any OCI registry (settings adapter name `registry`): charts are pushed as OCI
 * artifacts with helm's media types, to `<url>/<chart name>:<version>`, which helm 3.8+ and helm 4
 * pull with `helm pull oci://<url>/<chart name> --version <version>`.
 */
import type { HelmRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { chartPublisher, type CountingHelmRegistry } from "../../oci/chart-publisher.ts";
import { connect } from "../../oci/connect.ts";

export type OciHelmSettings = Extract<HelmRegistryConfig, { adapter: "registry" }>;

export function createOciHelmRegistry(config: OciHelmSettings, env: AdapterEnv): CountingHelmRegistry {
  return chartPublisher({ adapter: "registry", connection: connect(config, env.projectDir, env.env) });
}
