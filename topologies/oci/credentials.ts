/**
 * Where registry credentials come from, first match wins:
 * 1. explicit settings (username + the environment variable named by passwordEnv);
 * 2. REGISTRY_AUTH_FILE (containers-auth.json, as podman/skopeo/buildah use);
 * 3. the docker config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json): `credHelpers`
 *    for that host, then `auths`, then `credsStore`.
 * Secrets are never printed; a Credential's `source` says where it came from for messages.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError } from "../../capabilities/index.ts";
import { credentialFromHelper } from "./credential-helper.ts";

export interface Credential {
  readonly username?: string;
  readonly password?: string;
  /** An OAuth2 refresh token (docker config `identitytoken`). */
  readonly identityToken?: string;
  /** Where it came from, for messages ("docker config /home/x/.docker/config.json"). */
  readonly source: string;
}

export interface ExplicitCredentials {
  readonly username?: string;
  readonly passwordEnv?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Checked when the adapter is created, so a missing variable is a configuration error before any work. */
export function explicitCredential(host: string, settings: ExplicitCredentials, env: Env): Credential | undefined {
  if (settings.username === undefined && settings.passwordEnv === undefined) return undefined;
  if (settings.username === undefined || settings.passwordEnv === undefined) {
    throw new HarmonyError("config", `registry ${host}: username and passwordEnv must be set together`, {
      hint: "passwordEnv names the environment variable that holds the password or token",
    });
  }
  const password = env[settings.passwordEnv];
  if (password === undefined || password === "") {
    throw new HarmonyError("config", `registry ${host}: environment variable ${settings.passwordEnv} (passwordEnv) is not set`, {
      hint: `export ${settings.passwordEnv} with the password or token of ${settings.username}`,
    });
  }
  return { username: settings.username, password, source: `settings (username ${settings.username}, password from $${settings.passwordEnv})` };
}

/** "https://127.0.0.1:5000/v2/" and "127.0.0.1:5000" name the same registry. */
function normalizeKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").toLowerCase();
}

function entryFor<T>(table: Record<string, T> | undefined, host: string): T | undefined {
  if (!table) return undefined;
  const wanted = host.toLowerCase();
  const aliases = wanted === "docker.io" ? [wanted, "index.docker.io", "registry-1.docker.io"] : [wanted];
  for (const [key, value] of Object.entries(table)) {
    if (aliases.includes(normalizeKey(key))) return value;
  }
  return undefined;
}

function readConfig(path: string): DockerConfig | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as DockerConfig;
  } catch (cause) {
    throw new HarmonyError("config", `cannot parse ${path} as JSON`, { cause, hint: "fix or remove the file" });
  }
}

function fromAuthEntry(entry: AuthEntry | undefined, source: string): Credential | undefined {
  if (!entry) return undefined;
  if (entry.identitytoken) return { identityToken: entry.identitytoken, source };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new HarmonyError("config", `${source}: the auth entry is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password, source };
  return undefined;
}

export function dockerConfigPath(env: Env): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, "config.json");
  return env.HOME ? join(env.HOME, ".docker", "config.json") : undefined;
}

/** The files and helpers consulted for `host`, for "no credentials found" messages. */
export function credentialPlaces(env: Env): string[] {
  return [env.REGISTRY_AUTH_FILE, dockerConfigPath(env)].filter((p): p is string => p !== undefined);
}

export async function storedCredential(host: string, env: Env): Promise<Credential | undefined> {
  if (env.REGISTRY_AUTH_FILE) {
    const found = fromAuthEntry(entryFor(readConfig(env.REGISTRY_AUTH_FILE)?.auths, host), `auth file ${env.REGISTRY_AUTH_FILE}`);
    if (found) return found;
  }
  const path = dockerConfigPath(env);
  const config = path ? readConfig(path) : undefined;
  if (!config || !path) return undefined;
  const helper = entryFor(config.credHelpers, host);
  if (helper) return credentialFromHelper(helper, host, env);
  const inline = fromAuthEntry(entryFor(config.auths, host), `docker config ${path}`);
  if (inline) return inline;
  if (config.credsStore) return credentialFromHelper(config.credsStore, host, env);
  return undefined;
}
