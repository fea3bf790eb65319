/**
 * Finds where each member of a tar archive lies inside the file, reading only the 512-byte headers
 * and seeking over the data: a `docker save` archive of gigabytes is indexed in milliseconds and
 * its layers are then read in place, never extracted. Handles ustar prefixes, PAX and GNU long
 * names, base-256 sizes, and symbolic/hard links (older `docker save` links repeated layers).
 */
import { open } from "node:fs/promises";
import { posix } from "node:path";
import { HarmonyError } from "../../capabilities/index.ts";
import type { FileRange } from "./digest.ts";

export interface TarMember {
  readonly name: string;
  readonly type: "file" | "link" | "other";
  readonly offset: number;
  readonly size: number;
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

export async function indexTar(path: string): Promise<Map<string, TarMember>> {
  const handle = await open(path, "r");
  const members = new Map<string, TarMember>();
  try {
    const size = (await handle.stat()).size;
    const header = new Uint8Array(BLOCK);
    let offset = 0;
    let longName: string | undefined;
    let pax: Record<string, string> = {};
    while (offset + BLOCK <= size) {
      await handle.read(header, 0, BLOCK, offset);
      if (header.every((b) => b === 0)) break; // end-of-archive marker
      const typeflag = String.fromCharCode(header[156]!);
      const dataSize = pax.size !== undefined ? Number(pax.size) : numberField(header, 124, 12);
      const dataOffset = offset + BLOCK;
      const next = dataOffset + Math.ceil(dataSize / BLOCK) * BLOCK;
      if (typeflag === "x" || typeflag === "L") {
        const body = new Uint8Array(dataSize);
        await handle.read(body, 0, dataSize, dataOffset);
        if (typeflag === "x") pax = parsePax(new TextDecoder().decode(body));
        else longName = text(body, 0, dataSize);
        offset = next;
        continue;
      }
      const prefix = text(header, 345, 155);
      const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
      const name = normalize(rawName);
      const linkName = pax.linkpath ?? text(header, 157, 100);
      if (typeflag === "0" || typeflag === "\0" || typeflag === "7") {
        members.set(name, { name, type: "file", offset: dataOffset, size: dataSize });
      } else if (typeflag === "2") {
        members.set(name, { name, type: "link", offset: 0, size: 0, target: normalize(posix.join(posix.dirname(name), linkName)) });
      } else if (typeflag === "1") {
        members.set(name, { name, type: "link", offset: 0, size: 0, target: normalize(linkName) });
      } else {
        members.set(name, { name, type: "other", offset: dataOffset, size: dataSize });
      }
      longName = undefined;
      pax = {};
      offset = typeflag === "1" || typeflag === "2" || typeflag === "5" ? dataOffset : next;
    }
  } finally {
    await handle.close();
  }
  return members;
}

/** Where a regular member's bytes are, following links; throws when the archive lacks it. */
export function memberRange(archive: string, members: ReadonlyMap<string, TarMember>, name: string): FileRange {
  let member = members.get(normalize(name));
  for (let hops = 0; member?.type === "link" && hops < 8; hops++) member = members.get(member.target!);
  if (!member || member.type !== "file") throw new HarmonyError("failed", `${archive}: no file "${name}" in the archive`);
  return { path: archive, offset: member.offset, length: member.size };
}
