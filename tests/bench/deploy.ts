/**
 * Deploy: the helm adapter's `deploy` (deploy lock, pending-release check, values file, `helm
 * upgrade --install --wait --atomic`, our own rollout tracking alongside, confirmation from the
 * release Secrets) against plain `helm upgrade --install --wait --atomic` of the same chart and
 * values, helm 3.17, on the world's cluster, interleaved; each run is a real rollout (a new pod on
 * a new port, and a new chart version: the same version twice is a no-op for harmony). And release state: our `current()` (release Secrets through the API) against
 * `helm status -o json`. Ours runs in-process, as inside a pipeline; helm's times include its
 * process start. Goals: deploy ratio <= 1.2 (what harmony adds is small next to the rollout);
 * status ratio <= 1.0.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClusterTarget, DeployableChart, WorkContext } from "../../capabilities/index.ts";
import { createHelmDelivery } from "../../topologies/adapters/continuous-delivery/helm.ts";
import { helmEnv, imageValues, publishedChart } from "../integration/deploy/setup.ts";
import { world } from "../world/index.ts";
import { row, type Timed } from "./measure.ts";

function timed(label: string, samples: number[]): Timed {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { label, medianMs: at(0.5), p90Ms: at(0.9), runs: samples.length };
}

async function ms(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function spawnOk(argv: string[], env: Record<string, string>): Promise<void> {
  const child = Bun.spawn(argv, { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  if ((await child.exited) !== 0) throw new Error(`${argv.join(" ")} failed: ${await new Response(child.stderr).text()}`);
}

export async function deployBench(runs = 5): Promise<{ deploy: number; status: number }> {
  const kube = await world.kube();
  const helm = await world.helm(3);
  const registry = await world.registry();
  const image = await imageValues(registry);
  // A chart version per run, published before any timing: deploying the version already in place
  // is (rightly) a no-op for harmony, so each run must bring a new one.
  const charts: DeployableChart[] = [];
  for (let i = 0; i <= runs; i++) charts.push(await publishedChart(helm, registry, `1.0.${i}`));
  const namespace = "bench-deploy";
  const target: ClusterTarget = { kind: "cluster", name: "bench", kubeconfig: kube.kubeconfig, context: kube.context, namespace, releaseName: "ours" };
  const cd = createHelmDelivery({ adapter: "helm", helmVersion: 3, timeoutSeconds: 120 }, helmEnv(helm));
  const quiet = { info: () => {}, warn: () => {}, debug: () => {} };
  const work: WorkContext = { reporter: quiet, signal: new AbortController().signal };
  const dir = mkdtempSync(join(tmpdir(), "bench-deploy-"));
  const kubeFlags = ["--kubeconfig", kube.kubeconfig, "--kube-context", kube.context, "--namespace", namespace];

  const ours = async (i: number) => {
    const chart = charts[i + 1]!;
    const state = await cd.deploy({ app: "ours", version: chart.version, target, chart, values: { image, port: world.freePort(), message: `ours ${i}` } }, work);
    if (state.chartVersion !== chart.version) throw new Error(`harmony deployed ${state.chartVersion}, not ${chart.version}`);
  };
  const theirs = async (i: number) => {
    const values = join(dir, `values-${i}.json`);
    writeFileSync(values, JSON.stringify({ image, port: world.freePort(), message: `helm ${i}` }), { mode: 0o600 });
    const chart = charts[i + 1]!;
    await spawnOk([helm.helm, "upgrade", "--install", "theirs", chart.location, "--version", chart.version, "--plain-http", ...kubeFlags,
      "--create-namespace", "--values", values, "--wait", "--atomic", "--timeout", "120s"], helm.env);
  };
  await ours(-1); // first install of each, and warm-up
  await theirs(-1);

  const deployOurs: number[] = [];
  const deployTheirs: number[] = [];
  const statusOurs: number[] = [];
  const statusTheirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    deployOurs.push(await ms(() => ours(i)));
    deployTheirs.push(await ms(() => theirs(i)));
    for (let j = 0; j < 4; j++) {
      statusOurs.push(await ms(() => cd.current(target, work)));
      statusTheirs.push(await ms(() => spawnOk([helm.helm, "status", "theirs", ...kubeFlags, "-o", "json"], helm.env)));
    }
  }
  const rows = [
    timed("harmony helm adapter deploy (rollout)", deployOurs),
    timed(`helm upgrade --install --wait --atomic (${helm.version})`, deployTheirs),
    timed("harmony current() (release Secrets)", statusOurs),
    timed("helm status -o json", statusTheirs),
  ];
  const deploy = rows[0]!.medianMs / rows[1]!.medianMs;
  const status = rows[2]!.medianMs / rows[3]!.medianMs;
  console.log("deploy");
  for (const r of rows) console.log(row(r));
  console.log(`  ratio deploy harmony/helm: ${deploy.toFixed(2)}x (goal <= 1.2x)`);
  console.log(`  ratio status harmony/helm: ${status.toFixed(2)}x (goal <= 1.0x)`);
  return { deploy, status };
}

if (import.meta.main) {
  try {
    await deployBench(Number(process.env.BENCH_RUNS ?? 5));
  } finally {
    await world.teardown();
  }
}
