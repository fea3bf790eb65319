import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "tar-stream";
import { indexTar, memberRange } from "../../../topologies/oci/tar-index.ts";

async function tarOf(entries: { name: string; body?: string; type?: "symlink" | "link" | "directory"; linkname?: string }[]): Promise<string> {
  const p = pack();
  for (const e of entries) {
    if (e.type) p.entry({ name: e.name, type: e.type, ...(e.linkname ? { linkname: e.linkname } : {}) });
    else p.entry({ name: e.name }, e.body ?? "");
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  const path = join(mkdtempSync(join(tmpdir(), "tar-")), "a.tar");
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

async function read(range: { path: string; offset: number; length: number }): Promise<string> {
  return Bun.file(range.path).slice(range.offset, range.offset + range.length).text();
}

describe("tar index", () => {
  test("finds members in place, long names and links included", async () => {
    const long = `blobs/sha256/${"a".repeat(64)}/${"b".repeat(80)}.json`;
    const path = await tarOf([
      { name: "manifest.json", body: "[1]" },
      { name: "abc", type: "directory" },
      { name: "abc/layer.tar", body: "x".repeat(1500) },
      { name: long, body: "long" },
      { name: "def/layer.tar", type: "symlink", linkname: "../abc/layer.tar" },
      { name: "hard.tar", type: "link", linkname: "abc/layer.tar" },
    ]);
    const members = await indexTar(path);
    expect(await read(memberRange(path, members, "manifest.json"))).toBe("[1]");
    expect(await read(memberRange(path, members, long))).toBe("long");
    const layer = memberRange(path, members, "abc/layer.tar");
    expect(layer.length).toBe(1500);
    expect(memberRange(path, members, "def/layer.tar")).toEqual(layer);
    expect(memberRange(path, members, "./hard.tar")).toEqual(layer);
    expect(() => memberRange(path, members, "nope")).toThrow(/no file "nope"/);
  });
});
