/**
 * Where the previous build's content key (with its file manifest) is kept, so the next build can
 * say what changed. In the registry, next to the images: a small OCI artifact (config `{}`, one
 * layer: the gzipped key record) tagged `harmony-last-build` in the app's repository — it survives
 * ephemeral CI runners because the runner never held it. On disk for topologies without a
 * registry.
 *
 * The registry side speaks through `ArtifactRegistry`, the five calls it needs, which the native
 * registry client (topologies/oci/client.ts) provides: `registryKeyHistoryFor(env)` wires it with
 * the credentials docker stores; tests may pass any other implementation.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { ImageRef, WorkContext } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";
import { clientsByHost } from "../../oci/connect.ts";
import { decodeKeyRecord, encodeKeyRecord, KEY_RECORD_MEDIA_TYPE, type KeyHistory } from "../../../scores/content-key/index.ts";

export interface ManifestBytes {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Uint8Array;
}

export interface ArtifactRegistry {
  getManifest(repository: string, reference: string, work: WorkContext): Promise<ManifestBytes | undefined>;
  fetchBlob(repository: string, digest: string, work: WorkContext): Promise<ReadableStream<Uint8Array>>;
  blobExists(repository: string, digest: string, work: WorkContext): Promise<boolean>;
  sendBlob(
    repository: string,
    blob: { readonly digest: string; readonly size: number },
    content: { readonly kind: "stream"; open(work: WorkContext): Promise<ReadableStream<Uint8Array>> },
    mountFrom: string | undefined,
    onBytes: (n: number) => void,
    work: WorkContext,
  ): Promise<"mounted" | "uploaded">;
  putManifest(repository: string, reference: string, manifest: ManifestBytes, work: WorkContext): Promise<string>;
}

export const LAST_BUILD_TAG = "harmony-last-build";
export const KEY_RECORD_ARTIFACT_TYPE = "application/vnd.harmony.content-key.v1";
const CONFIG_MEDIA_TYPE = "application/vnd.harmony.content-key.config.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

export function registryKeyHistory(clientFor: (registry: string) => ArtifactRegistry): KeyHistory {
  return {
    last: async (repository, work) => {
      const client = clientFor(repository.registry);
      const manifest = await client.getManifest(repository.repository, LAST_BUILD_TAG, work);
      if (manifest === undefined) return undefined;
      const parsed = JSON.parse(new TextDecoder().decode(manifest.bytes)) as { layers?: { mediaType: string; digest: string }[] };
      const layer = parsed.layers?.find((l) => l.mediaType === KEY_RECORD_MEDIA_TYPE);
      if (layer === undefined) return undefined;
      const bytes = new Uint8Array(await new Response(await client.fetchBlob(repository.repository, layer.digest, work)).arrayBuffer());
      if (digestOf(bytes) !== layer.digest) return undefined;
      return decodeKeyRecord(bytes);
    },
    remember: async (repository, key, work) => {
      const client = clientFor(repository.registry);
      const record = encodeKeyRecord(key);
      const config = new TextEncoder().encode("{}");
      for (const blob of [config, record]) {
        const descriptor = { digest: digestOf(blob), size: blob.length };
        if (await client.blobExists(repository.repository, descriptor.digest, work)) continue;
        const content = { kind: "stream" as const, open: async () => new Blob([blob]).stream() };
        await client.sendBlob(repository.repository, descriptor, content, undefined, () => {}, work);
      }
      const manifest = new TextEncoder().encode(JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: KEY_RECORD_ARTIFACT_TYPE,
        config: { mediaType: CONFIG_MEDIA_TYPE, digest: digestOf(config), size: config.length },
        layers: [{ mediaType: KEY_RECORD_MEDIA_TYPE, digest: digestOf(record), size: record.length }],
        annotations: { "dev.harmony.content-key": key.key },
      }));
      await client.putManifest(repository.repository, LAST_BUILD_TAG, { mediaType: OCI_MANIFEST, digest: digestOf(manifest), bytes: manifest }, work);
    },
  };
}

/** The history in the registries images are pushed to, through the native client. */
export function registryKeyHistoryFor(env: AdapterEnv): KeyHistory {
  return registryKeyHistory(clientsByHost(env.projectDir, env.env));
}

/** For topologies without a registry (an OCI layout on disk): one record file per repository. */
export function directoryKeyHistory(dir: string): KeyHistory {
  const file = (repository: ImageRef) => join(dir, `${repository.registry}/${repository.repository}`.replace(/[^A-Za-z0-9._-]+/g, "_") + ".key.gz");
  return {
    last: async (repository) => (existsSync(file(repository)) ? decodeKeyRecord(readFileSync(file(repository))) : undefined),
    remember: async (repository, key) => {
      mkdirSync(dir, { recursive: true });
      const path = file(repository);
      writeFileSync(`${path}.partial`, encodeKeyRecord(key));
      renameSync(`${path}.partial`, path);
    },
  };
}

function digestOf(bytes: Uint8Array): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
}
