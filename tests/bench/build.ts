/**
 * Build benchmarks, each against the real tool in the same run:
 *  1. the content key of a generated 10,000-file context (walk, .dockerignore, sha256 of every
 *     file) against `sha256sum` over the same files (hashing only, the list handed to it).
 *     Goal: under 1 s.
 *  2. our daemonless builder against `buildah bud` + `buildah push oci:` of the equivalent
 *     COPY-only Dockerfile, both on the test world's busybox base (fetched from the registry once,
 *     then local to each), both ending in an OCI layout.
 *  3. a release of unchanged content (content key, registry lookup, re-tag: no build, no upload)
 *     against a release that builds (docker build of a changed build arg, then push), with the
 *     real docker builder and OciRegistry adapter.
 * Interleaved runs, medians; in-process work is timed around the call, tools around the process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseImageRef, recordingReporter, withTag, type DockerfileBuild, type FilesOnBaseBuild } from "../../capabilities/index.ts";
import { computeContentKey, decideBuild, recordBuild } from "../../scores/content-key/index.ts";
import { createDockerBuilder } from "../../topologies/adapters/container-builder/docker.ts";
import { registryKeyHistoryFor } from "../../topologies/adapters/container-builder/key-history.ts";
import { createRegistryOciRegistry } from "../../topologies/adapters/oci-registry/registry.ts";
import { createDaemonlessBuilder } from "../../topologies/adapters/container-builder/daemonless/daemonless.ts";
import { FIXTURES, runOk, world } from "../world/index.ts";
import { row, type Timed } from "./measure.ts";

const FILES = 10_000;

function generateContext(root: string): string[] {
  const files: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, "src", `module${i % 100}`, i % 3 === 0 ? "nested" : "");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `file${i}.ts`);
    writeFileSync(file, `export const value${i} = ${i};\n`.repeat(1 + (i % 40)));
    files.push(file);
  }
  mkdirSync(join(root, "node_modules", "dep"), { recursive: true });
  writeFileSync(join(root, "node_modules", "dep", "index.js"), "ignored\n");
  writeFileSync(join(root, ".dockerignore"), "node_modules\n**/*.log\n");
  writeFileSync(join(root, "Dockerfile"), "FROM scratch\nCOPY . /app\n");
  return files;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function summary(label: string, samples: number[]): Timed {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { label, medianMs: at(0.5), p90Ms: at(0.9), runs: samples.length };
}

/** Runs each candidate `runs` times, alternating so drift hits all alike; one warm-up each. */
async function interleaved(candidates: { label: string; run: () => Promise<unknown> }[], runs: number): Promise<Timed[]> {
  for (const c of candidates) await c.run();
  const samples = candidates.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) for (const [j, c] of candidates.entries()) samples[j]!.push(await timeIt(c.run));
  return candidates.map((c, j) => summary(c.label, samples[j]!));
}

async function contentKeyBench(runs: number): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), "harmony-bench-ctx-"));
  try {
    const files = generateContext(root);
    const request: DockerfileBuild = { kind: "dockerfile", app: "bench", contextDir: root, dockerfile: join(root, "Dockerfile"), buildArgs: {}, platforms: [], labels: {} };
    const sha256sum = Bun.which("sha256sum");
    if (sha256sum === null) throw new Error("sha256sum not found");
    const [ours, theirs] = await interleaved(
      [
        { label: `harmony content key (${FILES} files)`, run: () => computeContentKey(request, { builder: "docker" }) },
        { label: `sha256sum of the same ${FILES} files`, run: () => runOk([sha256sum, ...files]) },
      ],
      runs,
    );
    console.log("content key");
    console.log(row(ours!));
    console.log(row(theirs!));
    console.log(`  ratio harmony/sha256sum: ${(ours!.medianMs / theirs!.medianMs).toFixed(2)}x; goal < 1000 ms: ${ours!.medianMs < 1000 ? "met" : "NOT met"}`);
    return ours!.medianMs;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function daemonlessBench(runs: number): Promise<number> {
  const registry = await world.registry();
  const base = await world.baseImage(registry);
  const scratch = mkdtempSync(join(tmpdir(), "harmony-bench-build-"));
  try {
    const app = join(scratch, "app");
    mkdirSync(join(app, "bin"), { recursive: true });
    mkdirSync(join(app, "etc"), { recursive: true });
    for (let i = 0; i < 50; i++) writeFileSync(join(app, "bin", `tool${i}.sh`), `#!/bin/sh\necho tool ${i}\n`.repeat(20), { mode: 0o755 });
    writeFileSync(join(app, "etc", "app.conf"), "mode=bench\n");
    writeFileSync(join(app, "Dockerfile"), 'ARG BASE\nFROM $BASE\nCOPY bin /app/bin\nCOPY etc/app.conf /etc/app.conf\nENV MODE=bench\nENTRYPOINT ["/app/bin/tool0.sh"]\n');

    const request: FilesOnBaseBuild = {
      kind: "files", app: "bench", base: parseImageRef(base),
      layers: [{ from: join(app, "bin"), to: "/app/bin" }, { from: join(app, "etc", "app.conf"), to: "/etc/app.conf" }],
      config: { entrypoint: ["/app/bin/tool0.sh"], env: { MODE: "bench" } }, labels: {},
    };
    const daemonless = createDaemonlessBuilder({ adapter: "daemonless", outputDir: join(scratch, "ours") }, { projectDir: scratch, env: { HOME: scratch } });
    const work = { reporter: recordingReporter(), signal: new AbortController().signal };
    const buildah = world.buildah();
    const benv = { ...buildah.env };
    const layout = join(scratch, "buildah-layout");
    const [ours, theirs] = await interleaved(
      [
        { label: "harmony daemonless (files on base → OCI layout)", run: () => daemonless.build(request, work) },
        {
          label: "buildah bud (COPY-only) + push oci:",
          run: async () => {
            const iid = join(scratch, "iid");
            await runOk([buildah.bin, ...buildah.args, "bud", "--isolation", "chroot", "--build-arg", `BASE=${base}`, "--iidfile", iid, app], { env: benv });
            rmSync(layout, { recursive: true, force: true });
            const id = (await Bun.file(iid).text()).trim();
            await runOk([buildah.bin, ...buildah.args, "push", id, `oci:${layout}:latest`], { env: benv });
          },
        },
      ],
      runs,
    );
    const ratio = ours!.medianMs / theirs!.medianMs;
    console.log("daemonless build");
    console.log(row(ours!));
    console.log(row(theirs!));
    console.log(`  ratio harmony/buildah: ${ratio.toFixed(2)}x`);
    return ratio;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function cachedReleaseBench(runs: number): Promise<number> {
  const docker = await world.docker();
  const reg = await world.registry();
  const base = await world.baseImage(reg);
  const scratch = mkdtempSync(join(tmpdir(), "harmony-bench-release-"));
  try {
    const env = { projectDir: scratch, env: { ...process.env, ...docker.env, HOME: scratch, DOCKER_CONFIG: undefined } };
    const registry = createRegistryOciRegistry({ adapter: "registry", url: `${reg.host}/bench` }, env);
    const builder = createDockerBuilder({ adapter: "docker" }, env);
    const history = registryKeyHistoryFor(env);
    const repository = registry.repositoryFor("hello");
    const work = { reporter: recordingReporter(), signal: new AbortController().signal };
    let n = 0;
    /** The release score's image half: key, decide, then re-tag or build + push + record. */
    const release = async (greeting: string) => {
      const request: DockerfileBuild = {
        kind: "dockerfile", app: "hello", contextDir: join(FIXTURES, "..", "build", "hello"), dockerfile: join(FIXTURES, "..", "build", "hello", "Dockerfile"),
        buildArgs: { BASE: base, GREETING: greeting }, platforms: [], labels: {},
      };
      const key = await computeContentKey(request, { builder: "docker" });
      const decision = await decideBuild({ key, repository, registry, history }, work);
      const target = withTag(repository, `v${n++}`);
      if (decision.action === "reuse") return registry.push(decision.artifact, target, work);
      const published = await registry.push(await builder.build(request, work), target, work);
      await recordBuild({ key, decision, published, registry, history }, work);
      return published;
    };
    await release("unchanged");
    const [cached, building] = await interleaved(
      [
        { label: "release of unchanged content (key + re-tag)", run: () => release("unchanged") },
        { label: "release that builds (docker build + push)", run: () => release(`changed-${crypto.randomUUID()}`) },
      ],
      runs,
    );
    const ratio = cached!.medianMs / building!.medianMs;
    console.log("cached release");
    console.log(row(cached!));
    console.log(row(building!));
    console.log(`  ratio cached/building: ${ratio.toFixed(2)}x`);
    return ratio;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function buildBench(runs = 10): Promise<{ contentKeyMs: number; daemonlessRatio: number; cachedReleaseRatio: number }> {
  const contentKeyMs = await contentKeyBench(runs);
  const daemonlessRatio = await daemonlessBench(runs);
  const cachedReleaseRatio = await cachedReleaseBench(runs);
  return { contentKeyMs, daemonlessRatio, cachedReleaseRatio };
}

if (import.meta.main) {
  try {
    await buildBench(Number(process.env.BENCH_RUNS ?? 10));
  } finally {
    await world.teardown();
  }
}
