/** Reads a chart archive back entry by entry, headers included, to check how it was laid out. */
import { gunzipSync } from "node:zlib";
import { extract, type Header } from "tar-stream";

export interface Entry {
  readonly header: Header;
  readonly text: string;
}

export async function readArchive(bytes: Uint8Array): Promise<Entry[]> {
  const tar = extract();
  const entries: Entry[] = [];
  const done = (async () => {
    for await (const entry of tar) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry) chunks.push(chunk as Uint8Array);
      entries.push({ header: entry.header, text: Buffer.concat(chunks).toString("utf8") });
    }
  })();
  tar.end(gunzipSync(bytes));
  await done;
  return entries;
}

export async function entryText(bytes: Uint8Array, name: string): Promise<string> {
  const entry = (await readArchive(bytes)).find((e) => e.header.name === name);
  if (entry === undefined) throw new Error(`no ${name} in the archive`);
  return entry.text;
}

/** A pinned image as an OciRegistry would hand it over. */
export const IMAGE = {
  ref: { registry: "127.0.0.1:5000", repository: "demo/web", tag: "1.4.0", digest: `sha256:${"ab".repeat(32)}` },
} as const;
