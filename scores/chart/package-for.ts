/**
 * An app's chart for a release, whatever its source (directory, webapp builder, TypeScript module),
 * packaged and written to a fresh temporary directory: what ReleasePreparation.packageChart hands to
 * the HelmRegistry. The directory is left for the registry adapter to read; it is small and under
 * the OS temp dir.
 */
import { mkdtempSync } from "node:fs";
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

export async function packageChartFor(app: AppSpec, version: string, image: PublishedImage, work: WorkContext): Promise<ChartPackage> {
  const files = await chartFilesFor(app, version, image, work);
  const packaged = await packageChart(files, { version, image });
  const archivePath = writeChartPackage(packaged, mkdtempSync(join(tmpdir(), "harmony-chart-")));
  work.reporter.info(`packaged chart ${packaged.name} ${packaged.version} (${packaged.entries.length} files, ${packaged.bytes.byteLength} bytes)`);
  work.reporter.debug(`chart archive ${archivePath}: ${packaged.entries.join(", ")}`);
  return { name: packaged.name, version: packaged.version, archivePath };
}
