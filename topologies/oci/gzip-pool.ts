/**
 * Parallel, deterministic gzip. A layer is cut into 1 MiB blocks; each block becomes its own gzip
 * member (RFC 1952 allows a series of members; Go's gzip reader in docker, containerd and skopeo
 * reads them as one stream, as estargz relies on), compressed by libdeflate at level 1 in a pool of
 * workers. The bytes depend only on the input, never on which worker finished first, so the same
 * layer always gets the same digest. libdeflate level 1 compresses about as well as zlib level 6 on
 * binaries at several times the speed; incompressible blocks are stored, not searched.
 */
import { availableParallelism } from "node:os";
import { HarmonyError } from "../../capabilities/index.ts";

export const BLOCK_SIZE = 1 << 20;
/** Names the output format in cache keys: a different scheme gives different bytes. */
export const GZIP_SCHEME = "gzip-libdeflate1-1m-store";

/**
 * One block's gzip member. Four 16 KiB probes decide first whether the block compresses at all:
 * when none of them shrinks by 3%, the block (already-compressed files, random data) is stored
 * (level 0) instead of paying for a search that finds nothing. The decision depends only on the
 * bytes, so the output stays deterministic. Kept as source text: it also runs inside the workers.
 */
function compressBlock(block: Uint8Array): Uint8Array {
  const PROBE = 16384;
  let level = 1;
  if (block.byteLength >= 4 * PROBE) {
    level = 0;
    for (let i = 0; i < 4 && level === 0; i++) {
      const at = Math.floor((i * (block.byteLength - PROBE)) / 3);
      const probe = Bun.deflateSync(block.subarray(at, at + PROBE) as Uint8Array<ArrayBuffer>, { level: 1, library: "libdeflate" });
      if (probe.byteLength < PROBE * 0.97) level = 1;
    }
  }
  return Bun.gzipSync(block as Uint8Array<ArrayBuffer>, { level: level as 0 | 1, library: "libdeflate" });
}

// Bound to a fixed name: a minified build renames the function itself.
const WORKER_SOURCE = `
const compress = ${compressBlock.toString()};
self.onmessage = (event) => {
  const { id, block } = event.data;
  try {
    const out = compress(block);
    self.postMessage({ id, out }, [out.buffer]);
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};`;

export class GzipPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (out: Uint8Array) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private turn = 0;

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    this.size = size;
    if (size < 2) return; // one core: compressing on the main thread costs less than a worker
    try {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
      for (let i = 0; i < size; i++) {
        const worker = new Worker(url);
        worker.onmessage = (event: MessageEvent<{ id: number; out?: Uint8Array; error?: string }>) => {
          const pending = this.waiting.get(event.data.id);
          this.waiting.delete(event.data.id);
          if (this.waiting.size === 0) this.hold(false);
          if (event.data.out) pending?.resolve(event.data.out);
          else pending?.reject(new HarmonyError("failed", `gzip worker: ${event.data.error}`));
        };
        worker.unref?.();
        this.workers.push(worker);
      }
    } catch {
      this.close(); // no workers here: compress on the main thread
    }
  }

  /**
   * Idle workers are unref'd so they never keep the process alive; busy ones must be ref'd: while
   * the main thread only awaits a worker's answer (no socket or child open), an unref'd pool lets
   * the event loop run dry and the process exit 0 in the middle of a push.
   */
  private hold(busy: boolean): void {
    for (const worker of this.workers) {
      if (busy) worker.ref?.();
      else worker.unref?.();
    }
  }

  /** The gzip member for one block (the block's buffer is handed over to the worker). */
  compress(block: Uint8Array): Promise<Uint8Array> {
    const worker = this.workers[this.turn++ % Math.max(1, this.workers.length)];
    if (!worker) return Promise.resolve(compressBlock(block));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.hold(true);
      this.waiting.set(id, { resolve, reject });
      const own = block.byteOffset === 0 && block.byteLength === block.buffer.byteLength ? block : block.slice();
      worker.postMessage({ id, block: own }, [own.buffer as ArrayBuffer]);
    });
  }

  close(): void {
    for (const worker of this.workers.splice(0)) worker.terminate();
    for (const pending of this.waiting.values()) pending.reject(new HarmonyError("interrupted", "compression stopped"));
    this.waiting.clear();
  }
}
