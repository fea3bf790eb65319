/**
 * A client of one OCI distribution registry: blobs (exists, mount, upload, download), manifests
 * and indexes (get, head, put) and tag lists. Repositories are full paths inside the registry
 * (`team/app`); the Transport below handles scheme, auth, redirects and retries.
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { uploadBlob, startUpload, type BlobContent } from "./blob-upload.ts";
import { repositoryScope } from "./challenge.ts";
import { sha256 } from "./digest.ts";
import { MANIFEST_MEDIA_TYPES, manifestMediaType } from "./media-types.ts";
import { registryFailure } from "./registry-errors.ts";
import { Transport, type TransportOptions } from "./transport.ts";

export interface ManifestBytes {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Uint8Array;
}

export interface ClientOptions extends TransportOptions {
  /** Blobs above this size go up in chunks of this size (default 64 MiB). */
  readonly chunkSize?: number;
}

const DEFAULT_CHUNK = 64 << 20;
const pull = (repository: string) => [repositoryScope(repository, "pull")];
const push = (repository: string) => [repositoryScope(repository, "pull,push")];

export class RegistryClient {
  readonly host: string;
  readonly transport: Transport;
  private readonly chunkSize: number;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
    this.host = this.transport.host;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  }

  /** Reaches the registry and learns its auth scheme; throws a HarmonyError when it cannot. */
  async ping(work: WorkContext): Promise<void> {
    await this.transport.baseUrl(work);
  }

  /** Sends the credentials found for this registry to `/v2/`; throws when it refuses them. */
  async checkAccess(work: WorkContext): Promise<void> {
    const response = await this.transport.expect({ method: "GET", url: "/v2/", scopes: [] }, [200], "signing in", work);
    await response.body?.cancel();
  }

  async blobExists(repository: string, digest: string, work: WorkContext): Promise<boolean> {
    const response = await this.transport.expect({ method: "HEAD", url: `/v2/${repository}/blobs/${digest}`, scopes: push(repository) }, [200, 404], `checking blob ${digest} in ${repository}`, work);
    return response.status === 200;
  }

  /**
   * Stores a blob the repository lacks (check with blobExists first): a cross-repository mount when
   * `mountFrom` names a repository of this registry holding it, else an upload from `content`.
   */
  async sendBlob(
    repository: string,
    blob: { readonly digest: string; readonly size: number },
    content: BlobContent,
    mountFrom: string | undefined,
    onBytes: (n: number) => void,
    work: WorkContext,
  ): Promise<"mounted" | "uploaded"> {
    const session = await startUpload(this.transport, repository, blob.digest, mountFrom, work);
    if (session.mounted) return "mounted";
    await uploadBlob(this.transport, repository, blob.digest, blob.size, content, session.location, { chunkSize: this.chunkSize, onBytes }, work);
    return "uploaded";
  }

  /** The blob's bytes as a stream (the caller verifies the digest while reading). */
  async fetchBlob(repository: string, digest: string, work: WorkContext): Promise<ReadableStream<Uint8Array>> {
    const response = await this.transport.expect({ method: "GET", url: `/v2/${repository}/blobs/${digest}`, scopes: pull(repository) }, [200], `downloading blob ${digest} from ${repository}`, work);
    if (!response.body) throw new HarmonyError("failed", `registry ${this.host}: blob ${digest} came without a body`);
    return response.body;
  }

  /** The manifest or index `reference` (tag or digest) names, or undefined when absent. */
  async getManifest(repository: string, reference: string, work: WorkContext): Promise<ManifestBytes | undefined> {
    const response = await this.transport.send(
      { method: "GET", url: `/v2/${repository}/manifests/${reference}`, scopes: pull(repository), headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") } },
      work,
    );
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status === 401) throw await this.transport.auth.refused(`reading ${repository}:${reference}`);
    if (response.status !== 200) throw await registryFailure(this.host, `reading manifest ${repository}:${reference}`, response);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const digest = sha256(bytes);
    if (reference.startsWith("sha256:") && digest !== reference) {
      throw new HarmonyError("failed", `registry ${this.host}: manifest ${repository}@${reference} has digest ${digest}`);
    }
    const header = response.headers.get("content-type")?.split(";")[0]?.trim();
    const mediaType = header && header !== "application/json" ? header : manifestMediaType(JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: string });
    return { mediaType, digest, bytes };
  }

  /** The digest `reference` points at, or undefined when absent. */
  async headManifest(repository: string, reference: string, work: WorkContext): Promise<string | undefined> {
    const response = await this.transport.send(
      { method: "HEAD", url: `/v2/${repository}/manifests/${reference}`, scopes: pull(repository), headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") } },
      work,
    );
    if (response.status === 404) return undefined;
    if (response.status === 401) throw await this.transport.auth.refused(`reading ${repository}:${reference}`);
    if (response.status !== 200) throw await registryFailure(this.host, `checking manifest ${repository}:${reference}`, response);
    const digest = response.headers.get("docker-content-digest");
    if (digest) return digest;
    // Registries need not send the header on HEAD: then the body decides.
    return (await this.getManifest(repository, reference, work))?.digest;
  }

  /** Puts a manifest under a tag (or its digest). Call it only after every blob it names is present. */
  async putManifest(repository: string, reference: string, manifest: ManifestBytes, work: WorkContext): Promise<string> {
    const response = await this.transport.expect(
      {
        method: "PUT",
        url: `/v2/${repository}/manifests/${reference}`,
        scopes: push(repository),
        headers: { "content-type": manifest.mediaType },
        body: () => manifest.bytes,
      },
      [201, 200],
      `putting manifest ${repository}:${reference}`,
      work,
    );
    await response.body?.cancel();
    const returned = response.headers.get("docker-content-digest");
    if (returned && returned !== manifest.digest) {
      throw new HarmonyError("failed", `registry ${this.host}: stored ${repository}:${reference} as ${returned}, expected ${manifest.digest}`);
    }
    return manifest.digest;
  }

  async listTags(repository: string, work: WorkContext): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    while (url) {
      const response = await this.transport.send({ method: "GET", url, scopes: pull(repository) }, work);
      if (response.status === 404) return tags;
      if (response.status === 401) throw await this.transport.auth.refused(`listing tags of ${repository}`);
      if (response.status !== 200) throw await registryFailure(this.host, `listing tags of ${repository}`, response);
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      url = nextPage(response.headers.get("link"));
    }
    return tags;
  }
}

/** `Link: </v2/x/tags/list?n=1000&last=y>; rel="next"` (RFC 5988), as the spec paginates. */
function nextPage(link: string | null): string | undefined {
  const match = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  return match?.[1];
}
