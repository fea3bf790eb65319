/**
 * HelmRegistry on Harbor: charts as OCI artifacts in a project (`<url>/<project>/<chart>`), with
 * the same missing-project check as the Harbor OciRegistry adapter.
 */
import type { HelmRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { chartPublisher, type CountingHelmRegistry } from "../../oci/chart-publisher.ts";
import { harborConnection, harborProjectGuard } from "../../oci/harbor-project.ts";

export type HarborHelmSettings = Extract<HelmRegistryConfig, { adapter: "harbor" }>;

export function createHarborHelmRegistry(config: HarborHelmSettings, env: AdapterEnv): CountingHelmRegistry {
  const connection = harborConnection(config, env.projectDir, env.env);
  return chartPublisher({ adapter: "harbor", connection, ...harborProjectGuard(connection, config.project) });
}
