import { describe, expect, test } from "bun:test";
import { pack } from "tar-stream";
import { indexTarBytes, type TarMember } from "../../../topologies/oci/tar-index.ts";

async function tarOf(entries: { name: string; body?: string; type?: "symlink" | "link" | "directory"; linkname?: string }[]): Promise<Uint8Array> {
  const p = pack();
  for (const e of entries) {
    if (e.type) p.entry({ name: e.name, type: e.type, ...(e.linkname ? { linkname: e.linkname } : {}) });
    else p.entry({ name: e.name }, e.body ?? "");
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("tar index", () => {
  test("finds members in place, long names, links and times included", async () => {
    const long = `blobs/sha256/${"a".repeat(64)}/${"b".repeat(80)}.json`;
    const bytes = await tarOf([
      { name: "manifest.json", body: "[1]" },
      { name: "abc", type: "directory" },
      { name: "abc/layer.tar", body: "x".repeat(1500) },
      { name: long, body: "long" },
      { name: "def/layer.tar", type: "symlink", linkname: "../abc/layer.tar" },
      { name: "hard.tar", type: "link", linkname: "abc/layer.tar" },
    ]);
    const tar = await tarOf([]); // an empty archive has no members
    expect((await indexTarBytes(tar)).size).toBe(0);
    const members = await indexTarBytes(bytes);
    const text = (m: TarMember | undefined) => new TextDecoder().decode(bytes.subarray(m!.offset, m!.offset + m!.size));
    expect(text(members.get("manifest.json"))).toBe("[1]");
    expect(text(members.get(long))).toBe("long");
    expect(members.get("abc/layer.tar")).toMatchObject({ type: "file", size: 1500 });
    expect(members.get("def/layer.tar")).toMatchObject({ type: "link", target: "abc/layer.tar" });
    expect(members.get("hard.tar")).toMatchObject({ type: "link", target: "abc/layer.tar" });
    expect(members.get("abc")?.type).toBe("other");
    expect(members.get("manifest.json")!.mtime.getTime()).toBeGreaterThan(0);
  });
});
