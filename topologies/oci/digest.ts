/**
 * Content addressing: sha256 digests of bytes and files, and a file reader that hashes what it
 * streams so an upload or copy verifies its digest without a second pass over the data.
 */
import { open, type FileHandle } from "node:fs/promises";
import { HarmonyError } from "../../capabilities/index.ts";

const CHUNK = 1 << 20;

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
}

export function isSha256(digest: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(digest);
}

/** The hex part, for blob file names (`blobs/sha256/<hex>`). */
export function digestHex(digest: string): string {
  if (!isSha256(digest)) throw new HarmonyError("failed", `unsupported digest "${digest}" (only sha256 is supported)`);
  return digest.slice("sha256:".length);
}

/** A byte range of a file on disk: a layer inside a `docker save` archive, a blob in a layout. */
export interface FileRange {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

export interface HashingStream {
  readonly stream: ReadableStream<Uint8Array>;
  /** Resolves once the stream was read to its end, with the digest of what passed. */
  readonly digest: Promise<string>;
}

/**
 * Streams `range` in 1 MiB reads (memory stays flat whatever the size) while hashing it. With
 * `expected`, a mismatch errors the stream before its last chunk is handed over, so a consumer
 * (an upload, a file being written) fails instead of completing with the wrong content.
 */
export function readRange(range: FileRange, expected?: string, onBytes?: (n: number) => void): HashingStream {
  const hasher = new Bun.CryptoHasher("sha256");
  let handle: FileHandle | undefined;
  let position = range.offset;
  const end = range.offset + range.length;
  let settle!: { resolve: (d: string) => void; reject: (e: unknown) => void };
  const digest = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  digest.catch(() => {}); // the stream's consumer sees the same error
  const fail = async (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown) => {
    await handle?.close().catch(() => {});
    settle.reject(error);
    controller.error(error);
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          handle ??= await open(range.path, "r");
          const want = Math.min(CHUNK, end - position);
          const buffer = new Uint8Array(want);
          const { bytesRead } = want === 0 ? { bytesRead: 0 } : await handle.read(buffer, 0, want, position);
          if (want > 0 && bytesRead === 0) {
            return await fail(controller, new HarmonyError("failed", `${range.path} ended ${end - position} bytes early`));
          }
          position += bytesRead;
          const chunk = bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
          hasher.update(chunk);
          if (position >= end) {
            const actual = `sha256:${hasher.digest("hex")}`;
            if (expected !== undefined && actual !== expected) {
              return await fail(controller, new HarmonyError("failed", `${range.path}: content has digest ${actual}, expected ${expected}`));
            }
            await handle.close();
            if (chunk.byteLength > 0) controller.enqueue(chunk);
            onBytes?.(chunk.byteLength);
            controller.close();
            settle.resolve(actual);
            return;
          }
          controller.enqueue(chunk);
          onBytes?.(chunk.byteLength);
        } catch (error) {
          await fail(controller, error);
        }
      },
      async cancel(reason) {
        await handle?.close().catch(() => {});
        settle.reject(reason ?? new Error("cancelled"));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, digest };
}

/** The digest of a whole file, read in a streaming fashion. */
export async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  const size = Bun.file(path).size;
  const { stream, digest } = readRange({ path, offset: 0, length: size });
  for await (const _ of stream) {
    // reading drives the hash
  }
  return { digest: await digest, size };
}
