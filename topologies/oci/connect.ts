/**
 * From an adapter's registry settings to a client: the endpoint (scheme, TLS trust), credentials
 * (explicit settings checked now, so a missing variable fails before any work; stored ones looked
 * up on first need), and clients for other registries an image may come from.
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { RegistryClient } from "./client.ts";
import { credentialPlaces, explicitCredential, storedCredential, type ExplicitCredentials } from "./credentials.ts";
import { parseEndpoint, type Endpoint, type EndpointSettings } from "./endpoint.ts";
import { responseTimeoutMs } from "./retry.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export interface RegistrySettings extends EndpointSettings, ExplicitCredentials {}

export interface Connection {
  readonly endpoint: Endpoint;
  readonly client: RegistryClient;
  /** A client for another registry (where a `registry` artifact lives), with stored credentials. */
  clientFor(host: string): RegistryClient;
}

/** Docker Hub's API is not served where its references point. */
function apiHost(host: string): string {
  return host === "docker.io" ? "registry-1.docker.io" : host;
}

/** Clients for registries named by image references, with stored credentials; one per host. */
export function clientsByHost(projectDir: string, env: Env, known: ReadonlyMap<string, RegistryClient> = new Map()): (host: string) => RegistryClient {
  const clients = new Map(known);
  const timeout = responseTimeoutMs(env);
  return (host) => {
    let client = clients.get(host);
    if (!client) {
      const endpoint = parseEndpoint({ url: apiHost(host) }, projectDir);
      client = new RegistryClient({ endpoint, credentials: () => storedCredential(host, env), places: () => credentialPlaces(env).join(", "), responseTimeoutMs: timeout });
      clients.set(host, client);
    }
    return client;
  };
}

export function connect(settings: RegistrySettings, projectDir: string, env: Env): Connection {
  const endpoint = parseEndpoint(settings, projectDir);
  const explicit = explicitCredential(endpoint.host, settings, env);
  const places = () => (explicit ? explicit.source : credentialPlaces(env).join(", ") || "no docker config (HOME and DOCKER_CONFIG unset)");
  const client = new RegistryClient({ endpoint, credentials: async () => explicit ?? storedCredential(endpoint.host, env), places, responseTimeoutMs: responseTimeoutMs(env) });
  return { endpoint, client, clientFor: clientsByHost(projectDir, env, new Map([[endpoint.host, client]])) };
}

/** The tag of a push target; an untagged target would leave the image unnamed. */
export function requireTag(ref: { readonly tag?: string; readonly registry: string; readonly repository: string }): string {
  if (ref.tag === undefined) throw new HarmonyError("failed", `push target ${ref.registry}/${ref.repository} has no tag`);
  return ref.tag;
}

/** Preflight for a registry adapter: the registry answers and accepts the credentials found for it. */
export async function accessProblems(client: RegistryClient, work: WorkContext): Promise<string[]> {
  try {
    await client.ping(work);
    await client.checkAccess(work);
    return [];
  } catch (error) {
    if (error instanceof HarmonyError) return [error.hint ? `${error.message} (${error.hint})` : error.message];
    return [error instanceof Error ? error.message : String(error)];
  }
}
