/**
 * Finds where each member of a tar archive lies, reading only the 512-byte headers and skipping
 * over the data (a chart's Chart.yaml is found without unpacking the chart). Handles ustar
 * prefixes, PAX and GNU long names, base-256 sizes, and symbolic/hard links.
 */
import { posix } from "node:path";

export interface TarMember {
  readonly name: string;
  readonly type: "file" | "link" | "other";
  readonly offset: number;
  readonly size: number;
  readonly mtime: Date;
  /** For links: the member they point at (already resolved against the link's directory for symlinks). */
  readonly target?: string;
}

const BLOCK = 512;

function text(block: Uint8Array, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return new TextDecoder().decode(end < 0 ? slice : slice.subarray(0, end));
}

function numberField(block: Uint8Array, start: number, length: number): number {
  if ((block[start]! & 0x80) !== 0) {
    // base-256 (GNU/star) for sizes beyond 8 GiB
    let value = block[start]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[start + i]!;
    return value;
  }
  const raw = text(block, start, length).trim();
  return raw === "" ? 0 : parseInt(raw, 8);
}

function parsePax(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(" ", i);
    if (space < 0) break;
    const length = Number(body.slice(i, space));
    if (!Number.isFinite(length) || length <= 0) break;
    const record = body.slice(space + 1, i + length - 1);
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += length;
  }
  return out;
}

const normalize = (name: string) => posix.normalize(name).replace(/^\.\//, "").replace(/\/$/, "");

/** Reads `length` bytes at `position` of the archive. */
type ReadAt = (position: number, length: number) => Promise<Uint8Array> | Uint8Array;

async function walk(size: number, read: ReadAt): Promise<Map<string, TarMember>> {
  const members = new Map<string, TarMember>();
  let offset = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + BLOCK <= size) {
    const header = await read(offset, BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const typeflag = String.fromCharCode(header[156]!);
    const dataSize = pax.size !== undefined ? Number(pax.size) : numberField(header, 124, 12);
    const dataOffset = offset + BLOCK;
    const next = dataOffset + Math.ceil(dataSize / BLOCK) * BLOCK;
    if (typeflag === "x" || typeflag === "L") {
      const body = await read(dataOffset, dataSize);
      if (typeflag === "x") pax = parsePax(new TextDecoder().decode(body));
      else longName = text(body, 0, dataSize);
      offset = next;
      continue;
    }
    const prefix = text(header, 345, 155);
    const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    const name = normalize(rawName);
    const linkName = pax.linkpath ?? text(header, 157, 100);
    const mtime = new Date((pax.mtime !== undefined ? Number(pax.mtime) : numberField(header, 136, 12)) * 1000);
    if (typeflag === "0" || typeflag === "\0" || typeflag === "7") {
      members.set(name, { name, type: "file", offset: dataOffset, size: dataSize, mtime });
    } else if (typeflag === "2") {
      members.set(name, { name, type: "link", offset: 0, size: 0, mtime, target: normalize(posix.join(posix.dirname(name), linkName)) });
    } else if (typeflag === "1") {
      members.set(name, { name, type: "link", offset: 0, size: 0, mtime, target: normalize(linkName) });
    } else {
      members.set(name, { name, type: "other", offset: dataOffset, size: dataSize, mtime });
    }
    longName = undefined;
    pax = {};
    offset = typeflag === "1" || typeflag === "2" || typeflag === "5" ? dataOffset : next;
  }
  return members;
}

/** Indexes a tar archive already in memory (a decompressed chart). */
export function indexTarBytes(bytes: Uint8Array): Promise<Map<string, TarMember>> {
  return walk(bytes.byteLength, (position, length) => bytes.subarray(position, position + length));
}
