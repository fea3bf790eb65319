/**
 * Harbor keeps repositories inside projects and answers a push to a missing project with a bare
 * 401, which reads like a wrong password. Its REST API can tell the two apart: this asks it, so
 * the error names the real problem. A server without Harbor's API answers "unknown", never "missing".
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { connect, type Connection, type Env, type RegistrySettings } from "./connect.ts";
import type { Credential } from "./credentials.ts";
import type { Endpoint } from "./endpoint.ts";

export type ProjectState = "exists" | "missing" | "unknown";

/** Sends one request; the adapter passes a fetch bound to the endpoint's TLS settings. */
export type HarborFetch = (url: string, init: RequestInit) => Promise<Response>;

export function harborFetch(endpoint: Endpoint, work: WorkContext): HarborFetch {
  return (url, init) => fetch(url, { ...init, signal: work.signal, tls: endpoint.tls } as RequestInit);
}

export async function harborProject(
  baseUrl: string,
  project: string,
  credential: Credential | undefined,
  send: HarborFetch,
): Promise<ProjectState> {
  const headers: Record<string, string> = {};
  if (credential?.username !== undefined && credential.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`;
  }
  try {
    // systeminfo is public on every Harbor 2.x: it proves the API is there before a 404 is believed.
    const info = await send(`${baseUrl}/api/v2.0/systeminfo`, { method: "GET", headers });
    const isHarbor = info.ok && (info.headers.get("content-type") ?? "").includes("json");
    await info.body?.cancel();
    if (!isHarbor) return "unknown";
    const head = await send(`${baseUrl}/api/v2.0/projects?project_name=${encodeURIComponent(project)}`, { method: "HEAD", headers });
    await head.body?.cancel();
    if (head.status === 200) return "exists";
    if (head.status === 404) return "missing";
    return "unknown";
  } catch {
    return "unknown";
  }
}

/** Harbor's projects are the first path component: the url's path (if any) plus the project. */
export function harborConnection(settings: RegistrySettings & { readonly project: string }, projectDir: string, env: Env): Connection {
  return connect({ ...settings, url: `${settings.url.replace(/\/+$/, "")}/${settings.project}` }, projectDir, env);
}

export function missingProject(host: string, project: string): HarmonyError {
  return new HarmonyError("failed", `Harbor project "${project}" does not exist on ${host}`, {
    hint: 'create it in Harbor (Projects → New Project) or fix `project:` in harmony.yaml; Harbor reports a missing project as "unauthorized"',
  });
}

/** The project check both Harbor adapters run: before the first push (throws) and in preflight (reports). */
export function harborProjectGuard(connection: Connection, project: string) {
  const state = async (work: WorkContext): Promise<ProjectState> => {
    const base = await connection.client.transport.baseUrl(work);
    const credential = await connection.client.transport.auth.credentials();
    return harborProject(base, project, credential, harborFetch(connection.endpoint, work));
  };
  return {
    beforePush: async (work: WorkContext): Promise<void> => {
      if ((await state(work)) === "missing") throw missingProject(connection.endpoint.host, project);
    },
    preflightExtra: async (work: WorkContext): Promise<string[]> =>
      (await state(work)) === "missing" ? [missingProject(connection.endpoint.host, project).message] : [],
  };
}
