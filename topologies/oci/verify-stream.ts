/** Verifying what is read from elsewhere (a registry download) before anything trusts it. */
import { HarmonyError } from "../../capabilities/index.ts";

/**
 * Passes `source` through one chunk behind, and errors instead of handing over the last chunk when
 * the bytes do not hash to `digest` or do not number `size`: a consumer writing them (a file, an
 * upload) never sees complete content that is wrong.
 */
export function readVerified(source: ReadableStream<Uint8Array>, digest: string, size: number): ReadableStream<Uint8Array> {
  const hasher = new Bun.CryptoHasher("sha256");
  let count = 0;
  let held: Uint8Array | undefined;
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hasher.update(chunk);
        count += chunk.byteLength;
        if (held) controller.enqueue(held);
        held = chunk;
      },
      flush(controller) {
        const actual = `sha256:${hasher.digest("hex")}`;
        if (actual !== digest || count !== size) {
          throw new HarmonyError("failed", `downloaded content has digest ${actual} (${count} bytes), expected ${digest} (${size} bytes)`);
        }
        if (held) controller.enqueue(held);
      },
    }),
  );
}
