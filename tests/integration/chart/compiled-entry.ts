/**
 * A stand-in for dist/harmony's release step: compiled by compiled-module.test.ts with the same
 * `bun build --compile` flags as the real binary, it packages a module chart through
 * packageChartFor — the function ReleasePreparation.packageChart is wired to.
 *
 *   compiled-entry MODULE DIGEST KEEP   → copies the archive to KEEP (packageChartFor's own copy is
 *                                         removed when the process exits), prints the ChartPackage as JSON
 */
import { copyFileSync } from "node:fs";
import { recordingReporter, type PublishedImage } from "../../../capabilities/index.ts";
import type { AppSpec } from "../../../scores/app-spec.ts";
import { packageChartFor } from "../../../scores/chart/package-for.ts";

const [modulePath, digest, keep] = process.argv.slice(2);
if (modulePath === undefined || digest === undefined || keep === undefined) throw new Error("usage: compiled-entry MODULE DIGEST KEEP");

const app: AppSpec = {
  name: "demo-worker",
  projectRoot: process.cwd(),
  image: { kind: "files", base: "127.0.0.1:5000/base/busybox:1", files: [], config: {} },
  chart: { kind: "builder", builder: { kind: "module", path: modulePath, options: { schedule: "*/5 * * * *" } } },
  smoke: [],
  values: {},
};
const image: PublishedImage = { ref: { registry: "127.0.0.1:5000", repository: "demo/demo-worker", tag: "1.4.0", digest } };
const chart = await packageChartFor(app, "1.4.0", image, { reporter: recordingReporter(), signal: new AbortController().signal });
copyFileSync(chart.archivePath, keep);
process.stdout.write(`${JSON.stringify(chart)}\n`);
