/**
 * Maps a path into the parsed YAML document back to a line and column, so every problem can be
 * reported where the user wrote it.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export type PathKey = string | number;

export interface Located {
  readonly line: number;
  readonly col: number;
}

function childOf(node: unknown, key: PathKey): { value: unknown; keyNode?: Node } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(k) === String(key)) return { value: pair.value, keyNode: pair.key as Node };
    }
    return undefined;
  }
  if (isSeq(node) && typeof key === "number") return { value: node.items[key] };
  return undefined;
}

/**
 * The position of `path`. With `atKey`, the position of the key itself (for "unknown key" problems);
 * when the path runs out (a required key is missing), the position of the deepest existing parent.
 */
export function locate(doc: Document, counter: LineCounter, path: readonly PathKey[], atKey = false): Located {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const [i, key] of path.entries()) {
    const child = childOf(node, key);
    if (child === undefined) break;
    const last = i === path.length - 1;
    const target = last && atKey && child.keyNode ? child.keyNode : (child.value as Node | null);
    const start = target && !isPair(target) ? target.range?.[0] : undefined;
    if (start !== undefined) offset = start;
    node = child.value;
  }
  const { line, col } = counter.linePos(offset);
  return { line, col };
}

/** `apps[1].image.dockerfile` */
export function formatPath(path: readonly PathKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? key : `.${key}`;
  }
  return out === "" ? "(root)" : out;
}
