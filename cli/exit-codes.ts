import type { ErrorKind } from "../capabilities/index.ts";

/** Few exit codes, the ones CI systems and shells already understand. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case "usage":
    case "config":
      return EXIT.usage;
    case "interrupted":
      return EXIT.interrupted;
    case "failed":
      return EXIT.failed;
  }
}
