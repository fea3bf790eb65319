/**
 * OciRegistry on any OCI distribution registry. `url: registry.example.com/team` puts app `api` at
 * `registry.example.com/team/api`. Pushes natively (no docker CLI needed except to export an image
 * that lives in a Docker daemon).
 */
import type { OciRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { connect } from "../../oci/connect.ts";
import { registryPublisher, type CountingOciRegistry } from "../../oci/registry-publisher.ts";

export type RegistrySettings = Extract<OciRegistryConfig, { adapter: "registry" }>;

export function createRegistryOciRegistry(config: RegistrySettings, env: AdapterEnv): CountingOciRegistry {
  const connection = connect(config, env.projectDir, env.env);
  return registryPublisher({ adapter: "registry", connection, env: env.env, ...(config.compression ? { compression: config.compression } : {}) });
}
