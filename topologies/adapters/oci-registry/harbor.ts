/**
 * OciRegistry on Harbor: repositories live in a project (`<url>/<project>/<app>`), credentials are
 * usually a robot account (`robot$project+name` with its secret in passwordEnv). Harbor answers a
 * push to a missing project with a bare 401; this adapter asks Harbor's API first, so the error
 * says the project is missing instead of blaming the password.
 */
import type { OciRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { harborConnection, harborProjectGuard } from "../../oci/harbor-project.ts";
import { registryPublisher, type CountingOciRegistry } from "../../oci/registry-publisher.ts";

export type HarborSettings = Extract<OciRegistryConfig, { adapter: "harbor" }>;

export function createHarborOciRegistry(config: HarborSettings, env: AdapterEnv): CountingOciRegistry {
  const connection = harborConnection(config, env.projectDir, env.env);
  return registryPublisher({
    adapter: "harbor",
    connection,
    env: env.env,
    ...(config.compression ? { compression: config.compression } : {}),
    ...harborProjectGuard(connection, config.project),
  });
}
