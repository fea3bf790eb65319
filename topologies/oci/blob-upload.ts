/**
 * Blob uploads (distribution spec "pushing blobs"): a session is opened with POST (or a
 * cross-repository mount, which may be refused: Harbor answers 401), then the content goes up
 * either in one PUT or in PATCH chunks closed by an empty PUT. Content is always streamed from its
 * source and hashed on the way, so a corrupt local file fails the upload instead of committing.
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { readRange, type FileRange } from "./digest.ts";
import { nextDelay, sleep, DEFAULT_RETRY } from "./retry.ts";
import type { Transport } from "./transport.ts";
import { repositoryScope } from "./challenge.ts";
import { registryFailure } from "./registry-errors.ts";

/** Where a blob's bytes come from: a file range (seekable: chunkable and restartable) or a stream. */
export type BlobContent =
  | {
      readonly kind: "file";
      readonly range: FileRange;
      /** Hashed as it was written moments ago (a layer harmony just exported): not hashed again. */
      readonly verified?: boolean;
    }
  | { readonly kind: "stream"; open(work: WorkContext): Promise<ReadableStream<Uint8Array>> };

export interface UploadOptions {
  /** Blobs larger than this go up in PATCH chunks of this size; smaller ones in a single PUT. */
  readonly chunkSize: number;
  /** Called with every byte count handed to the network. */
  readonly onBytes: (n: number) => void;
}

type MountResult = { readonly mounted: true } | { readonly mounted: false; readonly location: string };

function pushScopes(repository: string, from?: string): string[] {
  return [repositoryScope(repository, "pull,push"), ...(from ? [repositoryScope(from, "pull")] : [])];
}

function locationOf(response: Response, what: string, host: string): string {
  const location = response.headers.get("location");
  if (!location) throw new HarmonyError("failed", `registry ${host}: ${what} answered ${response.status} without a Location`);
  return new URL(location, response.url).href;
}

/** Opens an upload session, first trying to mount the blob from `from` in the same registry. */
export async function startUpload(t: Transport, repository: string, digest: string, from: string | undefined, work: WorkContext): Promise<MountResult> {
  const path = `/v2/${repository}/blobs/uploads/`;
  if (from !== undefined && from !== repository) {
    const query = `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const response = await t.send({ method: "POST", url: path + query, scopes: pushScopes(repository, from) }, work);
    if (response.status === 201) {
      await response.body?.cancel();
      return { mounted: true };
    }
    // 202: the registry opened a plain upload instead; 401/403/404: it refuses mounts here.
    if (response.status === 202) return { mounted: false, location: locationOf(response, "a mount", t.host) };
    await response.body?.cancel();
    work.reporter.debug(`mount of ${digest} from ${from} refused (${response.status}); uploading instead`);
  }
  const response = await t.expect({ method: "POST", url: path, scopes: pushScopes(repository) }, [202], `starting an upload to ${repository}`, work);
  await response.body?.cancel();
  return { mounted: false, location: locationOf(response, "starting an upload", t.host) };
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url.href;
}

/** Counts bytes as the network takes them. */
function counting(source: ReadableStream<Uint8Array>, onBytes: (n: number) => void): ReadableStream<Uint8Array> {
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onBytes(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
}

async function uploadOnce(
  t: Transport,
  repository: string,
  digest: string,
  size: number,
  content: BlobContent,
  location: string,
  options: UploadOptions,
  work: WorkContext,
): Promise<void> {
  const scopes = pushScopes(repository);
  const headers = (length: number) => ({ "content-type": "application/octet-stream", "content-length": String(length) });
  if (content.kind === "stream" || size <= options.chunkSize) {
    // A file is hashed as it is read and fails before its last chunk when it does not match; a
    // stream source (a download) is verified the same way by whoever opened it.
    const source = content.kind === "file" ? () => readRange(content.range, content.verified ? undefined : digest).stream : undefined;
    const first = source ? source() : await (content as Extract<BlobContent, { kind: "stream" }>).open(work);
    let used = false;
    // A body is made per try; only a file can be read a second time (after a 401 that refreshed a token).
    const body = () => {
      const stream = !used ? first : source ? source() : undefined;
      if (!stream) throw new HarmonyError("failed", `cannot re-send ${digest}: its source stream was already read`);
      used = true;
      return counting(stream, options.onBytes);
    };
    const put = await t.send({ method: "PUT", url: withDigest(location, digest), scopes, headers: headers(size), body, retry: false }, work);
    if (put.status !== 201) throw await registryFailure(t.host, `uploading ${digest} to ${repository}`, put);
    await put.body?.cancel();
    return;
  }
  // In chunks the registry checks the digest of the whole when the last PUT names it.
  let current = location;
  for (let offset = 0; offset < size; offset += options.chunkSize) {
    const length = Math.min(options.chunkSize, size - offset);
    const range = { path: content.range.path, offset: content.range.offset + offset, length };
    const patch = await t.send(
      {
        method: "PATCH",
        url: current,
        scopes,
        headers: { ...headers(length), "content-range": `${offset}-${offset + length - 1}` },
        body: () => counting(readRange(range).stream, options.onBytes),
        retry: false,
      },
      work,
    );
    if (patch.status !== 202) throw await registryFailure(t.host, `uploading a chunk of ${digest} to ${repository}`, patch);
    await patch.body?.cancel();
    current = locationOf(patch, "a chunk upload", t.host);
  }
  const put = await t.send({ method: "PUT", url: withDigest(current, digest), scopes, headers: headers(0), retry: false }, work);
  if (put.status !== 201) throw await registryFailure(t.host, `completing the upload of ${digest} to ${repository}`, put);
  await put.body?.cancel();
}

/**
 * Uploads `content` as blob `digest`. A failed try (connection lost, 5xx) restarts the upload with a
 * new session, within the same retry bounds as single requests.
 */
export async function uploadBlob(
  t: Transport,
  repository: string,
  digest: string,
  size: number,
  content: BlobContent,
  firstLocation: string,
  options: UploadOptions,
  work: WorkContext,
): Promise<void> {
  const started = Date.now();
  let location = firstLocation;
  for (let attempt = 0; ; attempt++) {
    try {
      await uploadOnce(t, repository, digest, size, content, location, options, work);
      return;
    } catch (error) {
      const transient = !(error instanceof HarmonyError) || /failed: (5\d\d|429)/.test(error.message) || error.message.startsWith("cannot reach");
      const delay = transient ? nextDelay(DEFAULT_RETRY, attempt, Date.now() - started, undefined) : undefined;
      if (delay === undefined || work.signal.aborted) throw error;
      work.reporter.debug(`upload of ${digest} failed (${error instanceof Error ? error.message : String(error)}); restarting in ${Math.round(delay)} ms`);
      await sleep(delay, work.signal);
      const session = await startUpload(t, repository, digest, undefined, work);
      if (session.mounted) return;
      location = session.location;
    }
  }
}
