/**
 * Kubernetes API clients for one target: the kubeconfig file and context it names (or
 * $KUBECONFIG and its current context). @kubernetes/client-node is large, so it is imported
 * here, lazily, on first use — never on the CLI's start-up path.
 */
import type {
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from "@kubernetes/client-node";
import { HarmonyError } from "../../capabilities/index.ts";
import { bunHttpLibrary, tlsFor } from "./bun-http.ts";

export type K8sModule = typeof import("@kubernetes/client-node");

/** Where a target's cluster is: a kubeconfig file and a context in it (both optional). */
export interface KubeLocation {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** One key per cluster location: targets that share it share a cluster. */
export function locationKey(location: KubeLocation): string {
  return `${location.kubeconfig ?? ""}|${location.context ?? ""}`;
}

export interface Kube {
  readonly k8s: K8sModule;
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly coordination: CoordinationV1Api;
  readonly custom: CustomObjectsApi;
  /** `context NAME at https://host:port`, for messages. */
  readonly where: string;
  /** Any other generated API class, built the same Bun-safe way. */
  api<T>(apiClass: new (configuration: never) => T): T;
  /** A GET of a path no generated API covers (`/openapi/v2`), with the same credentials and TLS. */
  getRaw(path: string, headers?: Readonly<Record<string, string>>): Promise<Response>;
}

function loadConfig(k8s: K8sModule, location: KubeLocation, env: Readonly<Record<string, string | undefined>>): KubeConfig {
  const config = new k8s.KubeConfig();
  const file = location.kubeconfig ?? env.KUBECONFIG?.split(":").find((f) => f !== "");
  try {
    if (file !== undefined) config.loadFromFile(file);
    else config.loadFromDefault();
  } catch (error) {
    throw new HarmonyError("config", `cannot read kubeconfig ${file ?? "(default)"}: ${error instanceof Error ? error.message : String(error)}`, {
      hint: "set kubeconfig on the target in harmony.yaml, or KUBECONFIG",
    });
  }
  if (location.context !== undefined) {
    const names = config.getContexts().map((c) => c.name);
    if (!names.includes(location.context)) {
      throw new HarmonyError("config", `kube context "${location.context}" is not in ${file ?? "the kubeconfig"} (it has: ${names.join(", ") || "none"})`);
    }
    config.setCurrentContext(location.context);
  }
  return config;
}

export async function connectKube(location: KubeLocation, env: Readonly<Record<string, string | undefined>>): Promise<Kube> {
  const k8s = await import("@kubernetes/client-node");
  const config = loadConfig(k8s, location, env);
  const cluster = config.getCurrentCluster();
  if (cluster === null) {
    throw new HarmonyError("config", `kubeconfig ${location.kubeconfig ?? ""} has no current cluster`.replace("  ", " "), {
      hint: "name a context on the target in harmony.yaml",
    });
  }
  const tls = tlsFor(cluster, config.getCurrentUser());
  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    httpApi: bunHttpLibrary(k8s, tls),
  });
  const getRaw = async (path: string, headers: Readonly<Record<string, string>> = {}): Promise<Response> => {
    const request = new k8s.RequestContext(`${cluster.server.replace(/\/+$/, "")}${path}`, k8s.HttpMethod.GET);
    for (const [name, value] of Object.entries(headers)) request.setHeaderParam(name, value);
    await config.applySecurityAuthentication(request);
    return fetch(request.getUrl(), { headers: request.getHeaders(), tls } as RequestInit);
  };
  const api = <T>(apiClass: new (configuration: never) => T): T => new apiClass(configuration as never);
  return {
    k8s,
    config,
    core: api(k8s.CoreV1Api),
    apps: api(k8s.AppsV1Api),
    batch: api(k8s.BatchV1Api),
    coordination: api(k8s.CoordinationV1Api),
    custom: api(k8s.CustomObjectsApi),
    where: `context ${config.getCurrentContext()} at ${cluster.server}`,
    api,
    getRaw,
  };
}

/** The HTTP status of a failed API call, or undefined when the call never got an answer. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;

/** The API server's own message (`Status.message`) when there is one; never the request. */
export function kubeMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      // not JSON: fall through
    }
  }
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.message;
  return String(error);
}
