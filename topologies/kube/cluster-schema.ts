/**
 * What a cluster accepts, for checking rendered manifests before anything is applied: its version,
 * the API group/versions it serves (so a render sees the cluster's Capabilities) and, on clusters
 * that do not validate fields themselves, its OpenAPI v2 document as a validator.
 *
 * Why harmony fetches the document instead of leaving the check to helm: on such clusters every
 * `helm upgrade` downloads and parses the whole document (3.7 MB on Kubernetes 1.20) to validate
 * client-side, about 170 ms per target. Here it is fetched once per cluster, kept on disk, and
 * revalidated with its ETag (a 304 costs a few milliseconds).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { HarmonyError } from "../../capabilities/index.ts";
import { harmonyCacheDir, readCacheFile, writeCacheFile } from "../cache-dir.ts";
import type { Kube } from "./client.ts";
import { manifestValidator, type ManifestValidator, type OpenApiV2 } from "./openapi-validation.ts";

/**
 * Server-side field validation (`fieldValidation`) is GA from Kubernetes 1.27: there kubectl and
 * helm skip their client-side pass and the API server judges fields, so there is nothing to redo.
 */
const SERVER_VALIDATES_FROM_MINOR = 27;

export interface ClusterSchema {
  /** e.g. `v1.20.2` */
  readonly gitVersion: string;
  /** `apps/v1`, `v1`, … as `helm template --api-versions` takes them. */
  readonly apiVersions: readonly string[];
  /**
   * Undefined when the API server validates fields itself; else the validator, still loading when
   * this resolves so a render can run meanwhile.
   */
  readonly validator: Promise<ManifestValidator> | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

async function jsonOf<T>(kube: Kube, path: string, response: Response): Promise<T> {
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new HarmonyError("failed", `GET ${path} on ${kube.where} answered ${response.status}`);
  }
  return (await response.json()) as T;
}

const getJson = async <T>(kube: Kube, path: string): Promise<T> => jsonOf<T>(kube, path, await kube.getRaw(path, { accept: "application/json" }));

export function serverValidatesFields(version: { major: string; minor: string }): boolean {
  const minor = Number.parseInt(version.minor, 10); // `20+` on some providers
  return Number(version.major) > 1 || (Number(version.major) === 1 && minor >= SERVER_VALIDATES_FROM_MINOR);
}

/**
 * The document without its prose: descriptions are four fifths of it, and parsing the rest is what
 * every later run pays on the critical path.
 */
function compactText(doc: OpenApiV2): string {
  return JSON.stringify({ definitions: doc.definitions }, (key, value: unknown) => (key === "description" && typeof value === "string" ? undefined : value));
}

async function download(kube: Kube, file: string | undefined, answered?: Response): Promise<OpenApiV2> {
  const response = answered ?? (await kube.getRaw("/openapi/v2", { accept: "application/json" }));
  const text = compactText(await jsonOf<OpenApiV2>(kube, "/openapi/v2", response));
  const etag = response.headers.get("etag");
  if (file !== undefined && etag) {
    // Document first, ETag last: no reader pairs a new ETag with an old document.
    writeCacheFile(file, text);
    writeCacheFile(`${file}.etag`, etag);
  }
  return JSON.parse(text) as OpenApiV2;
}

function parseOrUndefined(text: string | undefined): OpenApiV2 | undefined {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as OpenApiV2);
  } catch {
    return undefined;
  }
}

/** The OpenAPI v2 document, from the disk cache when the server says (by ETag) it has not changed. */
async function openApiDocument(kube: Kube, key: string, env: Env): Promise<OpenApiV2> {
  const cache = harmonyCacheDir(env);
  const dir = cache === undefined ? undefined : join(cache, "openapi");
  const file = dir === undefined ? undefined : join(dir, `${createHash("sha256").update(key).digest("hex").slice(0, 24)}.json`);
  const etag = file === undefined ? undefined : readCacheFile(`${file}.etag`);
  if (file === undefined || etag === undefined) return download(kube, file);
  const response = await kube.getRaw("/openapi/v2", { accept: "application/json", "if-none-match": etag });
  if (response.status === 304) {
    await response.body?.cancel();
    return parseOrUndefined(readCacheFile(file)) ?? download(kube, file);
  }
  return download(kube, file, response);
}

export async function clusterSchema(kube: Kube, env: Env): Promise<ClusterSchema> {
  const [version, groups] = await Promise.all([
    getJson<{ major: string; minor: string; gitVersion: string }>(kube, "/version"),
    getJson<{ groups?: { versions?: { groupVersion: string }[] }[] }>(kube, "/apis"),
  ]);
  const apiVersions = ["v1", ...(groups.groups ?? []).flatMap((g) => (g.versions ?? []).map((v) => v.groupVersion))];
  if (serverValidatesFields(version)) return { gitVersion: version.gitVersion, apiVersions, validator: undefined };
  const validator = openApiDocument(kube, `${kube.where}|${version.gitVersion}`, env).then(manifestValidator);
  validator.catch(() => undefined); // whoever awaits it sees the failure; nobody else must
  return { gitVersion: version.gitVersion, apiVersions, validator };
}
