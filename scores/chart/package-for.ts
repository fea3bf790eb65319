/**
 * An app's chart for a release, whatever its source (directory, webapp builder, TypeScript module),
 * packaged and written to a fresh temporary directory: what ReleasePreparation.packageChart hands to
 * the HelmRegistry. The archive is only read while the release runs (deploys install from the
 * registry's copy), so the directories are removed when the process exits.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChartPackage, PublishedImage, WorkContext } from "../../capabilities/index.ts";
import type { AppSpec } from "../app-spec.ts";
import type { ChartFiles } from "./chart-files.ts";
import { moduleChart, moduleInput } from "./module-chart.ts";
import { packageChart, writeChartPackage } from "./package.ts";
import { readChartDirectory } from "./read-directory.ts";
import { webappChart } from "./webapp/webapp.ts";

/** The chart's files before packaging, from wherever the app says they come from. */
export async function chartFilesFor(app: AppSpec, version: string, image: PublishedImage, work: WorkContext): Promise<ChartFiles> {
  const source = app.chart;
  if (source.kind === "directory") return readChartDirectory(source.path);
  const builder = source.builder;
  if (builder.kind === "webapp") return webappChart(app.name, version, builder);
  return moduleChart(builder.path, moduleInput(app.name, version, image, builder.options), work);
}

let scratch: string | undefined;

function scratchDir(): string {
  if (scratch === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "harmony-charts-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  mkdirSync(scratch, { recursive: true, mode: 0o700 }); // a temp cleaner may have removed it meanwhile
  return mkdtempSync(join(scratch, "chart-"));
}

export async function packageChartFor(app: AppSpec, version: string, image: PublishedImage, work: WorkContext): Promise<ChartPackage> {
  const files = await chartFilesFor(app, version, image, work);
  const packaged = await packageChart(files, { version, image });
  const archivePath = writeChartPackage(packaged, scratchDir());
  work.reporter.info(`packaged chart ${packaged.name} ${packaged.version} (${packaged.entries.length} files, ${packaged.bytes.byteLength} bytes)`);
  work.reporter.debug(`chart archive ${archivePath}: ${packaged.entries.join(", ")}`);
  return { name: packaged.name, version: packaged.version, archivePath };
}
