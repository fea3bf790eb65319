/**
 * The one packager every chart goes through, whatever made its files: validate Chart.yaml, set the
 * release version, hydrate values.yaml with the pinned image, normalise vendored subcharts the way
 * helm does, and write a reproducible archive.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError, type PublishedImage } from "../../capabilities/index.ts";
import { chartArchive, helmOrder } from "./archive.ts";
import { checkChartFiles, fileLabel, fileText, textFile, type ChartFile, type ChartFiles } from "./chart-files.ts";
import { CHART_YAML_HINT, isSemver, readChartYaml, renderChartYaml, requireApplication, type ChartMetadata } from "./chart-yaml.ts";
import { readChartDirectory } from "./read-directory.ts";
import { editValues, imagePathOf, type Values } from "./values.ts";
import { unpackVendored } from "./vendored.ts";

export interface PackageOptions {
  /** The release version: becomes the chart's `version`. */
  readonly version: string;
  /** The chart's `appVersion`; defaults to `version`. */
  readonly appVersion?: string;
  /** The released image, pinned by digest, written into values.yaml (see values.ts for where). */
  readonly image?: PublishedImage;
  /** Values merged over values.yaml after the image. */
  readonly values?: Values;
}

export interface PackagedChart {
  readonly name: string;
  readonly version: string;
  /** Entry names in the archive, in order (`<name>/Chart.yaml`, …). */
  readonly entries: readonly string[];
  readonly bytes: Uint8Array;
}

const SUBCHART_FILE = /^charts\/([^/]+)\/(.+)$/;

/**
 * helm loads each `charts/<dir>/` (and each unpacked `charts/*.tgz`) as a chart and writes it back
 * under `charts/<its name>/` with a re-serialised Chart.yaml; nested subcharts likewise.
 */
function normaliseSubcharts(files: readonly ChartFile[], label: (path: string) => string): { files: ChartFile[]; names: Set<string> } {
  const out: ChartFile[] = [];
  const groups = new Map<string, ChartFile[]>();
  for (const file of files) {
    const match = SUBCHART_FILE.exec(file.path);
    if (match === null) out.push(file);
    else groups.set(match[1]!, [...(groups.get(match[1]!) ?? []), { path: match[2]!, data: file.data }]);
  }
  const names = new Set<string>();
  for (const [dir, sub] of groups) {
    const at = (path: string) => label(`charts/${dir}/${path}`);
    const chartYaml = sub.find((f) => f.path === "Chart.yaml");
    if (chartYaml === undefined) throw new HarmonyError("config", `${at("")}: subchart has no Chart.yaml`, { hint: "remove the directory from charts/ or list it in .helmignore" });
    const metadata = readChartYaml(at("Chart.yaml"), fileText(chartYaml, at("")), "subchart");
    if (names.has(metadata.name)) throw new HarmonyError("config", `${at("")}: a second subchart named "${metadata.name}" in charts/`);
    names.add(metadata.name);
    const inner = normaliseSubcharts(sub.filter((f) => f !== chartYaml), at);
    for (const f of [textFile("Chart.yaml", renderChartYaml(metadata)), ...inner.files]) out.push({ path: `charts/${metadata.name}/${f.path}`, data: f.data });
  }
  return { files: out, names };
}

/** `helm package` refuses a chart whose declared dependencies are not vendored in charts/ (by chart name). */
function checkDependencies(metadata: ChartMetadata, subcharts: Set<string>, chartYaml: string): void {
  for (const [i, dependency] of (metadata.dependencies ?? []).entries()) {
    if (!subcharts.has(dependency.name)) {
      throw new HarmonyError("config", `${chartYaml}: dependencies[${i}] "${dependency.name}" is declared but missing from charts/`, {
        hint: "vendor it first (`helm dependency build`), as `helm package` requires",
      });
    }
  }
}

function checkVersion(label: string, value: string): void {
  if (!isSemver(value)) throw new HarmonyError("config", `${label} "${value}" is not SemVer 2.0.0`, { hint: CHART_YAML_HINT });
}

export async function packageChart(chart: ChartFiles, options: PackageOptions): Promise<PackagedChart> {
  checkVersion("chart version", options.version);
  checkChartFiles(chart);
  const label = (path: string) => fileLabel(chart, path);
  const byPath = new Map(chart.files.map((f) => [f.path, f]));
  const chartYamlFile = byPath.get("Chart.yaml");
  if (chartYamlFile === undefined) throw new HarmonyError("config", `${label("Chart.yaml")} is missing`, { hint: CHART_YAML_HINT });
  const source = readChartYaml(label("Chart.yaml"), fileText(chartYamlFile, chart.origin)) as ChartMetadata;
  requireApplication(source, label("Chart.yaml"));
  const metadata: ChartMetadata = { ...source, version: options.version, appVersion: options.appVersion ?? options.version };

  const valuesFile = byPath.get("values.yaml");
  const values = editValues(
    label("values.yaml"),
    valuesFile === undefined ? undefined : fileText(valuesFile, chart.origin),
    { ...(options.image && { image: options.image }), imagePath: imagePathOf(metadata.annotations, label("Chart.yaml")), version: options.version, ...(options.values && { overlay: options.values }) },
    label("Chart.yaml"),
  );
  const schema = byPath.get("values.schema.json");
  if (schema !== undefined) {
    try {
      JSON.parse(fileText(schema, chart.origin));
    } catch (error) {
      throw new HarmonyError("config", `${label("values.schema.json")}: not valid JSON: ${(error as Error).message}`);
    }
  }

  const rest = await unpackVendored(chart.files.filter((f) => f.path !== "Chart.yaml" && f.path !== "values.yaml"), label);
  const { files, names } = normaliseSubcharts(rest, label);
  checkDependencies(metadata, names, label("Chart.yaml"));
  files.push(textFile("Chart.yaml", renderChartYaml(metadata)));
  if (values !== undefined) files.push(textFile("values.yaml", values));
  const ordered = helmOrder(files);
  return {
    name: metadata.name,
    version: metadata.version,
    entries: ordered.map((f) => `${metadata.name}/${f.path}`),
    bytes: await chartArchive(metadata.name, ordered),
  };
}

/** `helm package DIR --version V --app-version A`, reproducibly, plus image hydration. */
export async function packageChartDirectory(dir: string, options: PackageOptions): Promise<PackagedChart> {
  return packageChart(readChartDirectory(dir), options);
}

/** Writes `<outDir>/<name>-<version>.tgz` (as helm names it) through a temporary name; returns its path. */
export function writeChartPackage(chart: PackagedChart, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${chart.name}-${chart.version}.tgz`);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, chart.bytes, { mode: 0o644 });
  renameSync(temporary, path);
  return path;
}
