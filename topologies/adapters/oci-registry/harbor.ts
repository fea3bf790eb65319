/**
 * OciRegistry on Harbor: repositories live in a project (`<url>/<project>/<app>`), credentials are
 * usually a robot account (`robot$project+name` with its secret in passwordEnv). Harbor answers a
 * push to a missing project with a bare 401; this adapter asks Harbor's API first, so the error
 * says the project is missing instead of blaming the password.
 */
import { HarmonyError, type WorkContext } from "../../../capabilities/index.ts";
import type { OciRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { connect, type Connection } from "../../oci/connect.ts";
import { harborFetch, harborProject } from "../../oci/harbor-project.ts";
import { registryPublisher, type CountingOciRegistry } from "../../oci/registry-publisher.ts";

export type HarborSettings = Extract<OciRegistryConfig, { adapter: "harbor" }>;

/** Harbor's projects are the first path component: the url's path (if any) plus the project. */
export function harborConnection(config: { url: string; project: string } & Parameters<typeof connect>[0], env: AdapterEnv): Connection {
  const url = `${config.url.replace(/\/+$/, "")}/${config.project}`;
  return connect({ ...config, url }, env.projectDir, env.env);
}

export function missingProject(host: string, project: string): HarmonyError {
  return new HarmonyError("failed", `Harbor project "${project}" does not exist on ${host}`, {
    hint: `create it in Harbor (Projects → New Project) or fix \`project:\` in harmony.yaml; Harbor reports a missing project as "unauthorized"`,
  });
}

/** Checks the project through Harbor's API; "unknown" (no API, no rights to ask) lets the push decide. */
export async function checkHarborProject(connection: Connection, project: string, work: WorkContext): Promise<"exists" | "missing" | "unknown"> {
  const base = await connection.client.transport.baseUrl(work);
  const credential = await connection.client.transport.auth.credentials();
  return harborProject(base, project, credential, harborFetch(connection.endpoint, work));
}

export function createHarborOciRegistry(config: HarborSettings, env: AdapterEnv): CountingOciRegistry {
  const connection = harborConnection(config, env);
  return registryPublisher({
    adapter: "harbor",
    connection,
    env: env.env,
    ...(config.compression ? { compression: config.compression } : {}),
    beforePush: async (work) => {
      if ((await checkHarborProject(connection, config.project, work)) === "missing") throw missingProject(connection.endpoint.host, config.project);
    },
    preflightExtra: async (work) => {
      const state = await checkHarborProject(connection, config.project, work);
      return state === "missing" ? [missingProject(connection.endpoint.host, config.project).message] : [];
    },
  });
}
