/**
 * The whole pipeline: `dist/harmony release` against the equivalent bash script (pipeline-baseline.sh:
 * docker build/push, helm package/push, helm upgrade twice, curl) on the same fixture, the same
 * registry and cluster, in the same run; each run releases a new version. Goal: ratio ≤ 0.8.
 */
import { join } from "node:path";
import { pipelineProject } from "../e2e/pipeline-project.ts";
import { ensureBinary, ROOT } from "../e2e/binary.ts";
import { world } from "../world/index.ts";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function pipelineBench(runs = 3): Promise<number> {
  await ensureBinary();
  const ours = await pipelineProject(3);
  const theirs = await pipelineProject(3);
  const docker = await world.docker();
  const base = (await import("yaml")).parse(await Bun.file(join(ours.dir, "harmony.yaml")).text()).apps[0].image.dockerfile.buildArgs.BASE as string;
  const baselineEnv = {
    ...theirs.env,
    PATH: `${join(docker.bin, "..")}:${theirs.env.PATH}`,
    APP_DIR: join(theirs.dir, "app"),
    REGISTRY: theirs.registry.host,
    BASE: base,
    KUBECONFIG: theirs.kube.kubeconfig,
    KUBE_CONTEXT: theirs.kube.context,
    HELM: theirs.helm.helm,
    NS_STAGING: theirs.namespaces.staging,
    NS_PRODUCTION: theirs.namespaces.production,
    PORT_STAGING: String(theirs.ports.staging),
    PORT_PRODUCTION: String(theirs.ports.production),
  };
  const harmonyMs: number[] = [];
  const scriptMs: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const version = `1.0.${i}`;
      let started = performance.now();
      const run = await ours.release(["--from-tag", `pipeline-app-v${version}`]);
      if (run.code !== 0) throw new Error(`harmony failed: ${run.stderr.slice(-2000)}`);
      harmonyMs.push(performance.now() - started);
      started = performance.now();
      const script = Bun.spawn(["bash", join(ROOT, "tests/bench/pipeline-baseline.sh"), version], { env: baselineEnv, stdout: "pipe", stderr: "pipe" });
      if ((await script.exited) !== 0) throw new Error(`baseline failed: ${await new Response(script.stderr).text()}`);
      scriptMs.push(performance.now() - started);
    }
  } finally {
    ours.cleanup();
    theirs.cleanup();
  }
  const ratio = median(harmonyMs) / median(scriptMs);
  console.log("pipeline (build, push image + chart, deploy staging, smoke, deploy production, smoke)");
  console.log(`  harmony release                 median ${(median(harmonyMs) / 1000).toFixed(1)} s   runs ${harmonyMs.map((ms) => (ms / 1000).toFixed(1)).join(", ")}`);
  console.log(`  bash (docker, helm, curl)       median ${(median(scriptMs) / 1000).toFixed(1)} s   runs ${scriptMs.map((ms) => (ms / 1000).toFixed(1)).join(", ")}`);
  console.log(`  ratio harmony/bash: ${ratio.toFixed(2)}x (goal <= 0.8x)`);
  return ratio;
}

if (import.meta.main) {
  try {
    await pipelineBench(Number(process.env.BENCH_RUNS ?? 3));
  } finally {
    await world.teardown();
  }
}
