/**
 * Reads a registry directly (never through a proxy) and checks the promise every push makes: a tag
 * only ever points at a manifest whose blobs are all there. Walks `_catalog` → `tags/list` →
 * manifests (an index's manifests too) → `HEAD` of every config and layer blob, checking sizes.
 */
import type { RegistryPart } from "../../world/index.ts";

const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly size: number;
}

interface Manifest {
  readonly mediaType?: string;
  readonly manifests?: Descriptor[];
  readonly config?: Descriptor;
  readonly layers?: Descriptor[];
}

export interface RegistryWalk {
  readonly repositories: number;
  readonly tags: number;
  readonly manifests: number;
  readonly blobs: number;
  /** `repo:tag → what is wrong`; empty when every tag is whole. */
  readonly broken: string[];
  /** `repo:tag` of every tag found. */
  readonly tagged: string[];
}

function authHeaders(registry: RegistryPart): Record<string, string> {
  if (!registry.username || !registry.password) return {};
  return { authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString("base64")}` };
}

export async function walkRegistry(registry: RegistryPart, onlyUnder?: string): Promise<RegistryWalk> {
  const base = registry.url;
  const headers = authHeaders(registry);
  const tls = registry.caFile ? { ca: await Bun.file(registry.caFile).text() } : undefined;
  const get = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) }, tls } as RequestInit);
  const all: string[] = [];
  for (let page: string | undefined = "/v2/_catalog?n=1000"; page; ) {
    const response = await get(page);
    if (response.status !== 200) throw new Error(`${base}${page} answered ${response.status}: ${await response.text()}`);
    all.push(...(((await response.json()) as { repositories?: string[] }).repositories ?? []));
    page = /<([^>]+)>;\s*rel="?next"?/.exec(response.headers.get("link") ?? "")?.[1];
  }
  const repositories = all.filter((r) => onlyUnder === undefined || r.startsWith(onlyUnder));
  const walk = { repositories: repositories.length, tags: 0, manifests: 0, blobs: 0, broken: [] as string[], tagged: [] as string[] };

  const checkManifest = async (repository: string, reference: string, where: string): Promise<void> => {
    const response = await get(`/v2/${repository}/manifests/${reference}`, { headers: { accept: ACCEPT } });
    if (response.status !== 200) {
      walk.broken.push(`${where}: manifest ${reference} answers ${response.status}`);
      return;
    }
    walk.manifests++;
    const manifest = (await response.json()) as Manifest;
    for (const child of manifest.manifests ?? []) await checkManifest(repository, child.digest, where);
    for (const blob of [...(manifest.config ? [manifest.config] : []), ...(manifest.layers ?? [])]) {
      const head = await get(`/v2/${repository}/blobs/${blob.digest}`, { method: "HEAD" });
      walk.blobs++;
      const length = Number(head.headers.get("content-length"));
      if (head.status !== 200) walk.broken.push(`${where}: blob ${blob.digest} answers ${head.status}`);
      else if (length !== blob.size) walk.broken.push(`${where}: blob ${blob.digest} has ${length} bytes, the manifest says ${blob.size}`);
    }
  };

  for (const repository of repositories) {
    const response = await get(`/v2/${repository}/tags/list`);
    // A repository holding blobs but no tag yet (an interrupted push) is listed with a 404.
    if (response.status === 404) continue;
    if (response.status !== 200) throw new Error(`${base}/v2/${repository}/tags/list answered ${response.status}`);
    const listed = (await response.json()) as { tags?: string[] | null };
    for (const tag of listed.tags ?? []) {
      walk.tags++;
      walk.tagged.push(`${repository}:${tag}`);
      await checkManifest(repository, tag, `${repository}:${tag}`);
    }
  }
  return walk;
}
