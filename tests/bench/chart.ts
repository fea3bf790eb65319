/**
 * Chart packaging: our packageChartDirectory (read, validate, hydrate the image, write the archive)
 * against `helm package` of the same chart, helm 3.17 and 4.1, interleaved in the same run. Ours runs
 * in-process, as it does inside a release; helm's time includes its process start, so `helm version`
 * is timed too, to show how much of helm's figure is start-up. Two charts: the fixture web chart and
 * a generated one of 300 files (~3 MB). Goal: ratio ≤ 1.0.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { packageChartDirectory, writeChartPackage } from "../../scores/chart/package.ts";
import { world, type HelmPart } from "../world/index.ts";
import { row, type Timed } from "./measure.ts";

const WEB = resolve(import.meta.dir, "../../fixtures/charts/web");
const IMAGE = { ref: { registry: "127.0.0.1:5000", repository: "bench/web", tag: "1.0.0", digest: `sha256:${"0f".repeat(32)}` } };

function timed(label: string, samples: number[]): Timed {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { label, medianMs: at(0.5), p90Ms: at(0.9), runs: samples.length };
}

async function spawnMs(argv: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = Bun.spawn(argv, { env: { ...env, PATH: process.env.PATH ?? "" }, stdout: "ignore", stderr: "pipe" });
  if ((await child.exited) !== 0) throw new Error(`${argv.join(" ")} failed: ${await new Response(child.stderr).text()}`);
  return performance.now() - started;
}

/** A chart of `files` templates of ~10 KB each, with a values.yaml holding an image block. */
function generatedChart(root: string, files: number): string {
  const dir = join(root, "generated");
  mkdirSync(join(dir, "templates"), { recursive: true });
  writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: generated\nversion: 0.1.0\n");
  writeFileSync(join(dir, "values.yaml"), "# generated\nimage:\n  repository: x\n  tag: latest\n  digest: \"\"\n");
  const body = Array.from({ length: 250 }, (_, i) => `    key${i}: {{ .Values.image.repository | quote }} # line ${i}`).join("\n");
  for (let i = 0; i < files; i++) {
    writeFileSync(join(dir, "templates", `cm-${String(i).padStart(4, "0")}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n${body}\n`);
  }
  return dir;
}

async function benchChart(title: string, dir: string, helms: HelmPart[], out: string, runs: number): Promise<number[]> {
  const ours: number[] = [];
  const theirs = helms.map(() => [] as number[]);
  const startup = helms.map(() => [] as number[]);
  const oursOnce = async () => {
    const started = performance.now();
    writeChartPackage(await packageChartDirectory(dir, { version: "1.0.0", image: IMAGE }), join(out, "ours"));
    return performance.now() - started;
  };
  const helmPackage = (h: HelmPart) => spawnMs([h.helm, "package", dir, "--version", "1.0.0", "--destination", join(out, "helm")], h.env);
  const cold = await oursOnce(); // the first call pays for JIT and the page cache, as a release's one call does
  for (const h of helms) await helmPackage(h);
  for (let i = 0; i < runs; i++) {
    ours.push(await oursOnce());
    for (const [j, h] of helms.entries()) {
      theirs[j]!.push(await helmPackage(h));
      startup[j]!.push(await spawnMs([h.helm, "version"], h.env));
    }
  }
  const mine = timed("harmony packageChartDirectory (in-process)", ours);
  console.log(title);
  console.log(row(mine));
  console.log(`    first call in this process (cold): ${cold.toFixed(1)} ms`);
  const ratios: number[] = [];
  for (const [j, h] of helms.entries()) {
    const pkg = timed(`helm package (${h.version})`, theirs[j]!);
    console.log(row(pkg));
    console.log(row(timed(`  helm version (${h.version}, start-up only)`, startup[j]!)));
    ratios.push(mine.medianMs / pkg.medianMs);
  }
  for (const [j, h] of helms.entries()) console.log(`  ratio harmony/helm package ${h.version}: ${ratios[j]!.toFixed(2)}x (goal <= 1.0x)`);
  return ratios;
}

export async function chartBench(runs = 20): Promise<number[]> {
  const helms = [await world.helm(3), await world.helm(4)];
  const out = mkdtempSync(join(tmpdir(), "harmony-bench-chart-"));
  try {
    const small = await benchChart("chart package: fixtures/charts/web (16 files, 5 KB, a subchart)", WEB, helms, out, runs);
    const large = await benchChart("chart package: generated (301 files, ~3 MB)", generatedChart(out, 300), helms, out, Math.max(5, Math.floor(runs / 2)));
    return [...small, ...large];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  try {
    await chartBench(Number(process.env.BENCH_RUNS ?? 20));
  } finally {
    await world.teardown();
  }
}
