/**
 * Push: harmony's native push against the real tools, in the same run, each into a fresh registry.
 *  - image: the same ~200 MB image from the Docker engine, by harmony (docker save + native push,
 *    gzip and uncompressed), `docker push` and `skopeo copy docker-daemon:` (goal ≤ 1.0× both);
 *  - chart: push of one archive vs `helm push`, and package + push vs `helm package && helm push`
 *    (goal ≤ 1.0×);
 *  - memory: harmony's peak RSS (VmHWM) while pushing a 1 GiB layer, from an OCI layout (plain HTTP
 *    and TLS) and from the Docker engine (export + compression), goal ≤ 200 MB.
 * harmony runs as its own compiled process (tests/bench/push-worker.ts), so its start-up counts as the tools' does.
 */
import { cpSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, runOk, world } from "../world/index.ts";
import { row, type Timed } from "./measure.ts";
import { benchImage, freshRegistry, gibImage, gibLayout, IMAGE_TAG, removeScratch, scratchDir } from "./push-fixtures.ts";

/**
 * harmony's side, compiled the way dist/harmony is (bun build --compile --bytecode): what users run
 * starts like this, not like a TypeScript file transpiled on load.
 */
async function compiledWorker(): Promise<string> {
  const out = join(scratchDir("worker"), "harmony-push");
  await runOk([process.execPath, "build", join(import.meta.dir, "push-worker.ts"), "--compile", "--minify", "--bytecode", "--format=esm", "--outfile", out]);
  return out;
}

interface Contender {
  readonly label: string;
  /** Done before the clock starts (tagging, a fresh registry's name). */
  prepare?(host: string, run: number): Promise<void>;
  /** One command, or several run one after the other (`helm package` then `helm push`). */
  argv(host: string, run: number): string[] | string[][];
  readonly env?: Record<string, string>;
}

async function timed(commands: string[][], env: Record<string, string | undefined> | undefined): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  let last = "";
  for (const argv of commands) {
    const child = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`${argv.join(" ")} failed (exit ${code}):\n${stdout}\n${stderr}`);
    last = stdout;
  }
  return { ms: performance.now() - started, stdout: last };
}

function summary(label: string, samples: number[]): Timed {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { label, medianMs: at(0.5), p90Ms: at(0.9), runs: samples.length };
}

/** Runs every contender `runs` times, interleaved, each run into a registry made for it (or a shared one). */
async function race(contenders: Contender[], runs: number, registry: "fresh" | string): Promise<{ timings: Timed[]; outputs: string[][] }> {
  const samples = contenders.map(() => [] as number[]);
  const outputs = contenders.map(() => [] as string[]);
  for (let run = 0; run < runs; run++) {
    for (const [i, c] of contenders.entries()) {
      const fresh = registry === "fresh" ? await freshRegistry() : undefined;
      const host = fresh?.host ?? registry;
      try {
        await c.prepare?.(host, run);
        const argv = c.argv(host, run);
        const { ms, stdout } = await timed(Array.isArray(argv[0]) ? (argv as string[][]) : [argv as string[]], c.env);
        samples[i]!.push(ms);
        outputs[i]!.push(stdout);
      } finally {
        await fresh?.stop();
      }
    }
  }
  return { timings: contenders.map((c, i) => summary(c.label, samples[i]!)), outputs };
}

const ratio = (a: Timed, b: Timed) => a.medianMs / b.medianMs;
const peakMiB = (stdout: string) => (JSON.parse(stdout.trim().split("\n").at(-1)!) as { peakRssKiB: number }).peakRssKiB / 1024;

export interface PushBenchResult {
  readonly imageVsDocker: number;
  readonly imageVsSkopeo: number;
  readonly chartPushVsHelm: number;
  readonly chartPackagePushVsHelm: number;
  readonly peakRssMiB: number;
}

export async function pushBench(runs = 3): Promise<PushBenchResult> {
  try {
    return await measure(runs);
  } finally {
    removeScratch(); // the compiled worker, exported layers and charts: hundreds of MB per run
  }
}

async function measure(runs: number): Promise<PushBenchResult> {
  const worker = await compiledWorker();
  const docker = await world.docker();
  const imageId = await benchImage(docker);
  const { env: containersEnv, skopeoArgs } = world.containersEnv();
  const skopeo = world.tool("skopeo");
  const ourEnv = () => ({ ...docker.env, XDG_CACHE_HOME: scratchDir("cache") });
  const ours = (compression: "gzip" | "none"): Contender => ({
    label: `harmony push (docker save, ${compression})`,
    argv: (host) => [worker, "image", host, "bench/app", imageId, compression],
    env: ourEnv(),
  });
  const image = await race(
    [
      ours("gzip"),
      ours("none"),
      {
        label: "docker push",
        prepare: async (host) => void (await runOk([docker.bin, "tag", IMAGE_TAG, `${host}/bench/app:1`], { env: docker.env })),
        argv: (host) => [docker.bin, "push", `${host}/bench/app:1`],
        env: docker.env,
      },
      {
        label: "skopeo copy docker-daemon: docker://",
        argv: (host) => [skopeo, ...skopeoArgs, "copy", "--src-daemon-host", docker.host, "--dest-tls-verify=false", `docker-daemon:${IMAGE_TAG}`, `docker://${host}/bench/app:1`],
        env: containersEnv,
      },
    ],
    runs,
    "fresh",
  );
  const [gzip, none, dockerPush, skopeoCopy] = image.timings as [Timed, Timed, Timed, Timed];
  console.log("push: ~200 MB image (4 random layers) from the Docker engine into a fresh registry");
  for (const t of image.timings) console.log(row(t));
  console.log(`  ratio harmony(gzip)/docker push: ${ratio(gzip, dockerPush).toFixed(2)}x   harmony(gzip)/skopeo copy: ${ratio(gzip, skopeoCopy).toFixed(2)}x (goal <= 1.0x)`);
  console.log(`  ratio harmony(none)/docker push: ${ratio(none, dockerPush).toFixed(2)}x   harmony(none)/skopeo copy: ${ratio(none, skopeoCopy).toFixed(2)}x`);
  console.log(`  harmony peak RSS during the 200 MB push (gzip): ${peakMiB(image.outputs[0]!.at(-1)!).toFixed(0)} MiB`);

  const helm = await world.helm(3);
  const registry = (await world.registry()).host;
  const chartDir = join(scratchDir("chart"), "world-app");
  cpSync(join(FIXTURES, "chart"), chartDir, { recursive: true });
  const packaged = scratchDir("tgz");
  await runOk([helm.helm, "package", chartDir, "-d", packaged], { env: helm.env });
  const archive = join(packaged, readdirSync(packaged)[0]!);
  const chartRuns = Math.max(runs * 3, 10);
  // each run pushes to its own repository (<host>/<who>-<run>/world-app), so nothing is found already there
  const charts = await race(
    [
      { label: "harmony chart push", argv: (host, run) => [worker, "chart", `${host}/ours-${run}`, archive, "world-app", "0.1.0"] },
      { label: `helm push (${helm.version})`, argv: (host, run) => [helm.helm, "push", archive, `oci://${host}/theirs-${run}`, "--plain-http"], env: helm.env },
    ],
    chartRuns,
    registry,
  );
  const packageRuns = await race(
    [
      { label: "harmony chart package + push", argv: (host, run) => [worker, "package", `${host}/pkg-ours-${run}`, chartDir, scratchDir("out"), `1.0.${run}`] },
      {
        label: `helm package && helm push (${helm.version})`,
        argv: (host, run) => {
          const out = scratchDir("helm");
          return [
            [helm.helm, "package", chartDir, "-d", out, "--version", `1.0.${run}`],
            [helm.helm, "push", join(out, `world-app-1.0.${run}.tgz`), `oci://${host}/pkg-theirs-${run}`, "--plain-http"],
          ];
        },
        env: helm.env,
      },
    ],
    chartRuns,
    registry,
  );
  const [chartOurs, chartHelm] = charts.timings as [Timed, Timed];
  const [pkgOurs, pkgHelm] = packageRuns.timings as [Timed, Timed];
  console.log("push: the world's chart");
  for (const t of [...charts.timings, ...packageRuns.timings]) console.log(row(t));
  console.log(`  ratio harmony/helm push: ${ratio(chartOurs, chartHelm).toFixed(2)}x   package+push harmony/helm: ${ratio(pkgOurs, pkgHelm).toFixed(2)}x (goal <= 1.0x)`);

  const layout = await gibLayout();
  const plain = await runOk([worker, "layout", registry, "bench/gib", layout.dir, layout.digest]);
  const tls = await world.registry({ tls: true });
  const secure = await runOk([worker, "layout", tls.host, "bench/gib", layout.dir, layout.digest, tls.caFile!]);
  const fromDaemon = await runOk([worker, "image", registry, "bench/gib-daemon", await gibImage(docker), "gzip"], { env: ourEnv() });
  const peaks = [plain, secure, fromDaemon].map((r) => peakMiB(r.stdout));
  console.log("push: one 1 GiB layer of random bytes, harmony's peak RSS (VmHWM)");
  console.log(`  from an OCI layout: plain HTTP ${peaks[0]!.toFixed(0)} MiB, TLS ${peaks[1]!.toFixed(0)} MiB; from the Docker engine (docker save, gzip): ${peaks[2]!.toFixed(0)} MiB (goal <= 200 MB)`);
  const peak = Math.max(...peaks);

  return {
    imageVsDocker: ratio(gzip, dockerPush),
    imageVsSkopeo: ratio(gzip, skopeoCopy),
    chartPushVsHelm: ratio(chartOurs, chartHelm),
    chartPackagePushVsHelm: ratio(pkgOurs, pkgHelm),
    peakRssMiB: peak,
  };
}

if (import.meta.main) {
  try {
    await pushBench(Number(process.env.BENCH_RUNS ?? 3));
  } finally {
    await world.teardown();
  }
}
