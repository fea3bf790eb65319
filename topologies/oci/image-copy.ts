/**
 * Copies an image (a manifest, or an index and its manifests) from a source to a sink so that the
 * tag appears last: every blob a manifest names is present before the manifest is put, and every
 * manifest an index names before the index. Blobs already in the sink cost one HEAD and no bytes.
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import type { BlobContent } from "./blob-upload.ts";
import type { ManifestBytes } from "./client.ts";
import { isIndexMediaType, referencedBlobs, type Descriptor, type ImageIndex, type ImageManifest } from "./media-types.ts";
import { PushProgress, type TransferStats } from "./progress.ts";

export interface ImageSink {
  /** For messages: `127.0.0.1:5000/team/app`, `oci-layout:/path/app`. */
  readonly name: string;
  hasBlob(digest: string, work: WorkContext): Promise<boolean>;
  /** Stores a blob known to be absent, mounting it from `mountFrom` when the sink can. */
  writeBlob(blob: Descriptor, content: BlobContent, mountFrom: string | undefined, onBytes: (n: number) => void, work: WorkContext): Promise<"mounted" | "uploaded">;
  /** `reference` is a tag, or the digest for manifests an index names. */
  putManifest(reference: string, manifest: ManifestBytes, work: WorkContext): Promise<void>;
}

export interface ImageSource {
  readonly name: string;
  /**
   * The manifest or index to push. `has` lets a source that must transform content (compress a
   * layer) skip the work for blobs the sink already holds; `ready` lets it hand over blobs while it
   * still prepares others, so their upload starts early.
   */
  root(work: WorkContext, has: (digest: string) => Promise<boolean>, ready?: (blob: Descriptor) => void): Promise<ManifestBytes>;
  manifest(descriptor: Descriptor, work: WorkContext): Promise<ManifestBytes>;
  blob(descriptor: Descriptor, work: WorkContext): BlobContent;
  /** A repository of the sink's registry holding these blobs, when a mount can replace an upload. */
  mountFrom?(sink: ImageSink): string | undefined;
}

const BLOB_CONCURRENCY = 3;

function parse<T>(manifest: ManifestBytes): T {
  return JSON.parse(new TextDecoder().decode(manifest.bytes)) as T;
}

/** At most `limit` of the functions it runs are in flight at once. */
function limiter(limit: number): <T>(run: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (run) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await run();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export async function copyImage(source: ImageSource, sink: ImageSink, tag: string, stats: TransferStats, work: WorkContext): Promise<ManifestBytes> {
  const progress = new PushProgress(work.reporter, stats, `${sink.name}:${tag}`);
  const known = new Map<string, Promise<boolean>>();
  const has = (digest: string) => {
    let answer = known.get(digest);
    if (!answer) {
      answer = sink.hasBlob(digest, work);
      known.set(digest, answer);
    }
    return answer;
  };
  const limit = limiter(BLOB_CONCURRENCY);
  const ensured = new Map<string, Promise<void>>();
  // Each blob once, whether the source handed it over early or the manifest names it.
  const ensure = (d: Descriptor): Promise<void> => {
    let done = ensured.get(d.digest);
    if (!done) {
      done = limit(async () => {
        if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted while pushing");
        if (await has(d.digest)) return progress.blob(d.digest, d.size, "present");
        const outcome = await sink.writeBlob(d, source.blob(d, work), mountFrom, progress.counter(d.digest, d.size), work);
        known.set(d.digest, Promise.resolve(true));
        progress.blob(d.digest, d.size, outcome, mountFrom);
      });
      ensured.set(d.digest, done);
      done.catch(() => {}); // awaited below with the others
    }
    return done;
  };
  progress.start();
  const mountFrom = source.mountFrom?.(sink);
  const root = await source.root(work, has, (d) => void ensure(d));
  const manifests: ManifestBytes[] = isIndexMediaType(root.mediaType)
    ? await Promise.all(parse<ImageIndex>(root).manifests.map((d) => source.manifest(d, work)))
    : [root];
  const blobs = new Map<string, Descriptor>();
  for (const m of manifests) {
    if (isIndexMediaType(m.mediaType)) throw new HarmonyError("failed", `${source.name}: nested indexes are not supported`);
    for (const d of referencedBlobs(parse<ImageManifest>(m))) blobs.set(d.digest, d);
  }
  await Promise.all([...blobs.values()].map(ensure));
  if (manifests[0] !== root) {
    for (const m of manifests) {
      await sink.putManifest(m.digest, m, work);
      progress.manifest();
    }
  }
  await sink.putManifest(tag, root, work);
  progress.manifest();
  progress.done(root.digest, [...blobs.values()]);
  return root;
}
