/**
 * Vendored dependency archives (`charts/*.tgz`, as `helm dependency build` leaves them), unpacked the
 * way helm's loader reads them (pkg/chart/loader/archive.go): the first path component is the
 * chart's directory and is dropped, directories and pax records are skipped, anything else that is
 * not a regular file is refused, as are paths leaving the chart and files over helm's limits.
 * `helm package` writes such a dependency back as a directory, so we do too.
 */
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { HarmonyError } from "../../capabilities/index.ts";
import { checkEntryPath, MAX_CHART_BYTES, MAX_FILE_BYTES, mib, withoutBom, type ChartFile } from "./chart-files.ts";

const VENDORED = /^charts\/([^/]+)\.tgz$/;
const SKIPPED = new Set(["directory", "pax-header", "pax-global-header"]);

async function unpack(archive: ChartFile, label: string): Promise<ChartFile[]> {
  const fail = (why: string) => new HarmonyError("config", `${label}: ${why}`, { hint: "rebuild it with `helm dependency build`" });
  let tar: Buffer;
  try {
    tar = gunzipSync(archive.data, { maxOutputLength: MAX_CHART_BYTES });
  } catch (error) {
    throw fail(`not a readable chart archive (${(error as Error).message})`);
  }
  const files: ChartFile[] = [];
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      const { name, type, size } = entry.header;
      if (SKIPPED.has(type ?? "")) {
        entry.resume();
        continue;
      }
      if (type !== "file") throw fail(`${name} is a ${type}, not a regular file`);
      if ((size ?? 0) > MAX_FILE_BYTES) throw fail(`${name} is ${mib(size ?? 0)}, over helm's limit of ${mib(MAX_FILE_BYTES)} per file`);
      const path = name.split("/").slice(1).join("/");
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry) chunks.push(chunk as Uint8Array);
      if (path === "") continue;
      checkEntryPath(path, label);
      files.push({ path, data: withoutBom(Buffer.concat(chunks)) });
    }
  })();
  reader.end(tar);
  try {
    await done;
  } catch (error) {
    if (error instanceof HarmonyError) throw error;
    throw fail(`not a readable chart archive (${(error as Error).message})`);
  }
  return files;
}

/** `charts/<x>.tgz` replaced by its files under `charts/<x>/`; everything else as it was. */
export async function unpackVendored(files: readonly ChartFile[], label: (path: string) => string): Promise<ChartFile[]> {
  const out: ChartFile[] = [];
  for (const file of files) {
    const match = VENDORED.exec(file.path);
    if (match === null) {
      out.push(file);
      continue;
    }
    // A prefix no directory name can take, so an archive never merges into a same-named directory.
    const dir = `charts/${match[1]}.tgz`;
    for (const inner of await unpack(file, label(file.path))) out.push({ path: `${dir}/${inner.path}`, data: inner.data });
  }
  return out;
}
