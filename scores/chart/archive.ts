/**
 * The chart archive, laid out as `helm package` writes it (pkg/chartutil/save.go) but byte-for-byte
 * reproducible: every entry under `<chart name>/`, in helm's order (Chart.yaml, Chart.lock,
 * values.yaml, values.schema.json, templates, other files, then each subchart the same way), regular
 * files only (no directory entries), mode 0644, uid/gid 0, no user names, one fixed mtime; gzip with
 * helm's header (its extra field and "Helm" comment, mtime 0). helm stamps the time of packaging
 * (helm 4 the files' own mtimes), so two helm packages of one chart differ; two of ours never do.
 */
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { byBytes, type ChartFile } from "./chart-files.ts";

/** 1980-01-01T00:00:00Z, the epoch reproducible-build tools use where 0 makes some tar tools warn. */
export const ENTRY_MTIME = new Date(Date.UTC(1980, 0, 1));

const TOP_RANK: Readonly<Record<string, number>> = { "Chart.yaml": 0, "Chart.lock": 1, "values.yaml": 2, "values.schema.json": 3 };
const TEMPLATES = 4;
const OTHER = 5;
const SUBCHARTS = 6;

/** The sort key of a path inside a chart: helm's groups first, then the walk order within a group. */
function orderKey(segments: readonly string[]): (number | string)[] {
  const [first, ...rest] = segments;
  if (rest.length === 0) {
    const rank = TOP_RANK[first!];
    return rank === undefined ? [OTHER, first!] : [rank];
  }
  if (first === "templates") return [TEMPLATES, ...segments];
  if (first === "charts" && rest.length > 1) return [SUBCHARTS, rest[0]!, ...orderKey(rest.slice(1))];
  return [OTHER, ...segments];
}

function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    return typeof x === "number" && typeof y === "number" ? x - y : byBytes(String(x), String(y));
  }
  return a.length - b.length;
}

export function helmOrder(files: readonly ChartFile[]): ChartFile[] {
  const keyed = files.map((file) => ({ file, key: orderKey(file.path.split("/")) }));
  return keyed.sort((a, b) => compareKeys(a.key, b.key)).map((k) => k.file);
}

/**
 * helm's gzip header: FLG = FEXTRA|FCOMMENT, MTIME 0, XFL 0, OS 255 (unknown), then its 41-byte
 * extra field and the comment "Helm". Kept so our archives look like helm's to anything that looks.
 */
const HELM_EXTRA = Buffer.from("+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=", "latin1");
const HELM_GZIP_HEADER = Buffer.concat([
  Buffer.from([0x1f, 0x8b, 0x08, 0x14, 0, 0, 0, 0, 0x00, 0xff, HELM_EXTRA.length & 0xff, HELM_EXTRA.length >> 8]),
  HELM_EXTRA,
  Buffer.from("Helm\0", "latin1"),
]);

/** Deflate body and trailer from node's gzip, behind helm's header (node's own header is 10 bytes, FLG 0). */
function helmGzip(tar: Uint8Array): Uint8Array {
  const gz = gzipSync(tar, { level: 6 }); // Go's default, what helm uses
  return Buffer.concat([HELM_GZIP_HEADER, gz.subarray(10)]);
}

async function tarOf(prefix: string, files: readonly ChartFile[]): Promise<Uint8Array> {
  const tar = pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Uint8Array);
  })();
  for (const file of files) {
    const header = { name: `${prefix}/${file.path}`, size: file.data.byteLength, mode: 0o644, mtime: ENTRY_MTIME, uid: 0, gid: 0, type: "file" } as const;
    await new Promise<void>((resolve, reject) => tar.entry(header, file.data, (error) => (error ? reject(error) : resolve())));
  }
  tar.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** The `.tgz` bytes of a chart named `name` holding `files` (already in helm order). */
export async function chartArchive(name: string, files: readonly ChartFile[]): Promise<Uint8Array> {
  return helmGzip(await tarOf(name, files));
}
