/**
 * A chart before it is packaged: its files in memory, whether they came from a directory on disk or
 * from a builder. Every source ends in this shape, so every chart is packaged by the same code.
 */
import { join } from "node:path";
import { HarmonyError } from "../../capabilities/index.ts";

export interface ChartFile {
  /** Relative to the chart root, `/`-separated, e.g. `templates/deployment.yaml`. */
  readonly path: string;
  readonly data: Uint8Array;
}

export interface ChartFiles {
  /** What the files came from, for messages: the chart directory, or the builder that made them. */
  readonly origin: string;
  readonly from: "directory" | "builder";
  readonly files: readonly ChartFile[];
}

/** How a problem in one of the chart's files names it: a path on disk, or the builder and the file. */
export function fileLabel(chart: Pick<ChartFiles, "origin" | "from">, path: string): string {
  return chart.from === "directory" ? join(chart.origin, path) : `${chart.origin} (${path})`;
}

/** Byte order, as Go's sort.Strings gives (and so helm's directory walk). */
export function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** helm's own limits (pkg/chart/loader): a file over 5 MiB or a chart over 100 MiB is refused. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_CHART_BYTES = 100 * 1024 * 1024;

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Refuses a path that would leave the chart once unpacked (absolute, `..`, empty or `.` segments,
 * backslashes that Windows tools would read as separators, NUL), so a builder cannot write outside
 * `<chart>/` in anyone's extraction.
 */
export function checkEntryPath(path: string, origin: string): void {
  const bad = (why: string) =>
    new HarmonyError("config", `${origin}: chart file "${path}" ${why}`, {
      hint: "chart files are relative paths inside the chart, like templates/deployment.yaml",
    });
  if (path === "") throw bad("has an empty name");
  if (path.startsWith("/")) throw bad("is an absolute path");
  if (path.includes("\\")) throw bad("contains a backslash");
  if (path.includes("\0")) throw bad("contains a NUL character");
  for (const segment of path.split("/")) {
    if (segment === "..") throw bad("leaves the chart (..)");
    if (segment === "" || segment === ".") throw bad("is not a normalized path");
  }
}

/** Size limits and path safety for every file of a chart, whatever built it. */
export function checkChartFiles(chart: ChartFiles): void {
  let total = 0;
  const seen = new Set<string>();
  for (const file of chart.files) {
    checkEntryPath(file.path, chart.origin);
    if (seen.has(file.path)) throw new HarmonyError("config", `${chart.origin}: chart file "${file.path}" appears twice`);
    seen.add(file.path);
    if (file.data.byteLength > MAX_FILE_BYTES) throw tooLarge(chart.origin, file.path, file.data.byteLength);
    total += file.data.byteLength;
  }
  if (total > MAX_CHART_BYTES) {
    throw new HarmonyError("config", `${chart.origin}: the chart's files add up to ${mib(total)}, over helm's limit of ${mib(MAX_CHART_BYTES)}`, {
      hint: "list large files that the chart does not need in .helmignore",
    });
  }
}

export function tooLarge(origin: string, path: string, bytes: number): HarmonyError {
  return new HarmonyError("config", `${origin}: chart file "${path}" is ${mib(bytes)}, over helm's limit of ${mib(MAX_FILE_BYTES)} per file`, {
    hint: "list it in .helmignore if the chart does not need it; helm refuses to load such a chart",
  });
}

/** helm drops a UTF-8 byte-order mark from every file it loads. */
export function withoutBom(data: Uint8Array): Uint8Array {
  return data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function textFile(path: string, text: string): ChartFile {
  return { path, data: encoder.encode(text) };
}

export function fileText(file: ChartFile, origin: string): string {
  try {
    return decoder.decode(file.data);
  } catch {
    throw new HarmonyError("config", `${origin}: ${file.path} is not valid UTF-8`);
  }
}
