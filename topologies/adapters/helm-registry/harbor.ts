/**
 * HelmRegistry on Harbor: charts as OCI artifacts in a project (`<url>/<project>/<chart>`), with
 * the same missing-project check as the Harbor OciRegistry adapter.
 */
import type { HelmRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { chartPublisher, type CountingHelmRegistry } from "../../oci/chart-publisher.ts";
import { checkHarborProject, harborConnection, missingProject } from "../oci-registry/harbor.ts";

export type HarborHelmSettings = Extract<HelmRegistryConfig, { adapter: "harbor" }>;

export function createHarborHelmRegistry(config: HarborHelmSettings, env: AdapterEnv): CountingHelmRegistry {
  const connection = harborConnection(config, env);
  let checked: Promise<void> | undefined;
  return chartPublisher({
    adapter: "harbor",
    connection,
    beforePush: (work) => {
      checked ??= checkHarborProject(connection, config.project, work).then((state) => {
        if (state === "missing") throw missingProject(connection.endpoint.host, config.project);
      });
      return checked.catch((error: unknown) => {
        checked = undefined;
        throw error;
      });
    },
    preflightExtra: async (work) =>
      (await checkHarborProject(connection, config.project, work)) === "missing" ? [missingProject(connection.endpoint.host, config.project).message] : [],
  });
}
