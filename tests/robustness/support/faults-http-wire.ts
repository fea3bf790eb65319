/**
 * The few pieces of HTTP/1.1 on the wire the fault proxy needs: a socket writer that respects
 * backpressure, where a request body ends (Content-Length or chunked), and which operation a
 * request performs, so that a retry of it can be recognised.
 */
import type { Socket } from "bun";
import type { RequestHead } from "./faults-proxy.ts";

/** Writes to a socket that may not be open yet or may take fewer bytes than offered. */
export class Outbox {
  private pending: Uint8Array[] = [];
  private ending = false;
  socket: Socket<unknown> | undefined;

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.flush();
  }

  flush(): void {
    const socket = this.socket;
    if (!socket) return;
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const n = socket.write(head);
      if (n < head.length) {
        this.pending[0] = head.subarray(Math.max(n, 0));
        return;
      }
      this.pending.shift();
    }
    if (this.ending) socket.end();
  }

  end(): void {
    this.ending = true;
    this.flush();
  }
}

/** How much of a buffer belongs to the current request's body, and whether the body ends in it. */
export interface BodyFraming {
  take(buffer: Buffer): { used: number; done: boolean };
}

export function lengthFraming(length: number): BodyFraming {
  let remaining = length;
  return {
    take(buffer) {
      const used = Math.min(remaining, buffer.length);
      remaining -= used;
      return { used, done: remaining === 0 };
    },
  };
}

/** Transfer-Encoding: chunked, read incrementally: size line, data, CRLF, … then the trailer. */
export function chunkedFraming(): BodyFraming {
  let state: "size" | "data" | "data-end" | "trailer" = "size";
  let left = 0;
  return {
    take(buffer) {
      let used = 0;
      for (;;) {
        const rest = buffer.subarray(used);
        if (state === "data") {
          const n = Math.min(left, rest.length);
          used += n;
          left -= n;
          if (left > 0) return { used, done: false };
          state = "data-end";
          continue;
        }
        if (state === "data-end") {
          if (rest.length < 2) return { used, done: false };
          used += 2;
          state = "size";
          continue;
        }
        const eol = rest.indexOf("\r\n");
        if (eol < 0) return { used, done: false };
        const line = rest.subarray(0, eol).toString("latin1");
        used += eol + 2;
        if (state === "trailer") {
          if (line === "") return { used, done: true };
          continue;
        }
        left = Number.parseInt(line.split(";")[0]!.trim(), 16);
        state = left === 0 ? "trailer" : "data";
      }
    },
  };
}

/** The operation a request performs, so a retry of it is recognised: upload sessions differ per try, the digest does not. */
export function operationKey(head: RequestHead): string {
  const url = new URL(head.target, "http://proxy");
  const digest = url.searchParams.get("digest");
  if (head.method === "PUT" && digest) return `PUT blob ${digest}`;
  const path = url.pathname.replace(/\/blobs\/uploads\/.+$/, "/blobs/uploads/");
  return `${head.method} ${path}`;
}
