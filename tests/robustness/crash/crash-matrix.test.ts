/**
 * The crash matrix: dist/harmony SIGKILLed — with its whole process group, as when a runner's
 * container dies, so helm and docker die with it — at each step boundary, mid-build, mid-push
 * and mid-helm-upgrade (once more killing harmony alone, as the OOM killer would, so its helm
 * finishes on its own while the re-run starts); then the same tag is released again. Every re-run must exit 0 and leave
 * the correct final state (tests/robustness/support/run-state.ts): no duplicate artifact, no
 * revision pending, the registry's digest deployed, one deploy per version, no lock left.
 * Each row is a new version of one app with a changed file (so it really builds, pushes and rolls
 * out), and starts from the state the previous row left.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureBinary } from "../../e2e/binary.ts";
import { world } from "../../world/index.ts";
import { startHarmony } from "../support/run-harmony.ts";
import { robustProject, type RobustProject } from "../support/run-project.ts";
import { history, registryDigest, releaseProblems } from "../support/run-state.ts";

type Target = "staging" | "production";

interface KillPoint {
  readonly name: string;
  /** The stderr line at which harmony is killed. */
  readonly at: (p: RobustProject) => RegExp;
  /** Then wait until helm has written a pending revision on this target (helm is mid-operation). */
  readonly pendingOn?: Target;
  /** Staging is enough unless the point is in production. */
  readonly targets: readonly Target[];
  /** Kill harmony alone (the OOM killer's way): its helm lives on and finishes on its own. */
  readonly alone?: boolean;
}

const STAGING: readonly Target[] = ["staging"];
const BOTH: readonly Target[] = ["staging", "production"];

const POINTS: readonly KillPoint[] = [
  { name: "release starts", at: () => /^release …$/, targets: STAGING },
  { name: "mid-build (RUN step)", at: () => /^docker: Step 5\/10/, targets: STAGING },
  { name: "mid image push", at: (p) => new RegExp(`^pushing .*/apps/${p.app}:`), targets: STAGING },
  { name: "image pushed, chart not yet", at: (p) => new RegExp(`^pushed .*/apps/${p.app}:`), targets: STAGING },
  { name: "mid chart push", at: (p) => new RegExp(`^pushing .*/charts/${p.app}:`), targets: STAGING },
  { name: "deploy staging starts", at: () => /^deploy staging …$/, targets: STAGING },
  { name: "mid helm upgrade (staging)", at: (p) => new RegExp(`upgrade --install .* in ${p.namespaces.staging}$`), pendingOn: "staging", targets: STAGING },
  { name: "mid helm upgrade, harmony alone (helm lives on)", at: (p) => new RegExp(`upgrade --install .* in ${p.namespaces.staging}$`), pendingOn: "staging", targets: STAGING, alone: true },
  { name: "mid helm install (production, first)", at: (p) => new RegExp(`upgrade --install .* in ${p.namespaces.production}$`), pendingOn: "production", targets: BOTH },
  { name: "deploy production starts", at: () => /^deploy production …$/, targets: BOTH },
  // With production still to come, the run is alive when the kill lands; with --until staging it
  // could finish its few-millisecond smoke check first and exit on its own (seen in CI).
  { name: "smoke staging starts", at: () => /^smoke staging …$/, targets: BOTH },
];

const ready = (["docker", "registry", "kube", "helm"] as const).every((p) => world.available(p));
let project: RobustProject;
const matrix: string[][] = [];

beforeAll(async () => {
  if (!ready) return;
  await ensureBinary();
  project = await robustProject("crash-app");
}, 600_000);

afterAll(() => {
  if (matrix.length > 0) {
    const header = ["kill point", "left behind", "re-run", "re-run steps", "final state"];
    const widths = header.map((h, i) => Math.max(h.length, ...matrix.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
    const passed = matrix.filter((r) => r[4] === "correct").length;
    console.log(`\ncrash matrix (SIGKILL of harmony's process group unless "alone", then the same tag again): ${passed}/${matrix.length} correct\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("-|-")}\n${matrix.map(line).join("\n")}\n`);
  }
  project?.cleanup();
});

/** Polls helm's history until its newest revision on `target` is pending (helm is mid-operation). */
async function untilPending(p: RobustProject, target: Target, alive: () => boolean): Promise<string> {
  for (;;) {
    const last = (await history(p, p.namespaces[target])).at(-1);
    if (last?.status.startsWith("pending")) return `${target} r${last.revision} ${last.status}`;
    if (!alive()) throw new Error(`harmony finished before helm left a pending revision on ${target}`);
    await Bun.sleep(50);
  }
}

/** What the kill left: the version's image and chart tags, the newest revision per target. */
async function leftBehind(p: RobustProject, version: string, targets: readonly Target[]): Promise<string> {
  const image = (await registryDigest(p, `apps/${p.app}`, version)) ? "image" : "";
  const chart = (await registryDigest(p, `charts/${p.app}`, version)) ? "chart" : "";
  const releases: string[] = [];
  for (const t of targets) {
    const last = (await history(p, p.namespaces[t])).at(-1);
    if (last?.chart === `${p.app}-${version}`) releases.push(`${t} r${last.revision} ${last.status}`);
  }
  return [image, chart, ...releases].filter((s) => s !== "").join(", ") || "nothing";
}

/** A step's summary in a few words: "already published", "revision 3", "1 passed". */
function briefly(summary: string): string {
  if (/^(image )?already /.test(summary)) return summary.split(":")[0]!;
  const revision = /revision \d+/.exec(summary);
  if (revision) return revision[0];
  if (/@sha256:/.test(summary)) return "built and pushed";
  return summary.split(/[,;(]/)[0]!.trim();
}

describe.skipIf(!ready)("crash matrix: SIGKILL at each point, then the same tag again (real parts)", () => {
  for (const [index, point] of POINTS.entries()) {
    test(`killed at "${point.name}": the re-run completes, nothing duplicated`, async () => {
      const version = `0.${index + 1}.0`;
      // New code for each version, as a new tag usually brings: a real build, push and rollout.
      writeFileSync(join(project.dir, "app/CHANGES"), `${version}\n`);
      const args = ["--from-tag", `${project.app}-v${version}`, ...(point.targets.includes("production") ? [] : ["--until", "staging"])];
      const run = startHarmony(project, args);
      let exited = false;
      void run.exited.then(() => (exited = true));
      await run.waitForLine(point.at(project));
      if (point.pendingOn !== undefined) await untilPending(project, point.pendingOn, () => !exited);
      run.kill("SIGKILL", { group: point.alone !== true });
      const killed = await run.exited;
      expect(killed.signal).toBe("SIGKILL");
      const left = await leftBehind(project, version, point.targets);

      const started = performance.now();
      const again = await project.release(args);
      const took = `${((performance.now() - started) / 1000).toFixed(0)}s`;
      const steps = (again.json?.steps ?? []).map((s: { name: string; summary: string; durationMs: number }) => `${s.name}: ${briefly(s.summary)} ${(s.durationMs / 1000).toFixed(0)}s`);
      const notes = [
        ...(again.stderr.includes("took over the deploy lock") ? ["took over the dead run's lock"] : []),
        ...(again.stderr.includes("deployed while we waited for the lock") ? ["found it deployed once it held the lock"] : []),
        ...(again.stderr.includes("left in pending") ? ["repaired the pending revision"] : []),
      ];
      const waited = notes.length > 0 ? ` (${notes.join("; ")})` : "";
      const problems = await releaseProblems(project, version, point.targets);
      matrix.push([point.name, left, `exit ${again.code} in ${took}${waited}`, steps.join(" · "), problems.length === 0 ? "correct" : problems.join("; ")]);
      if (again.json?.steps === undefined) console.error(`re-run after "${point.name}" printed no report:\n${again.stdout.slice(-2000)}\n${again.stderr.slice(-3000)}`);
      expect(again.code).toBe(0);
      expect(problems).toEqual([]);
    }, 300_000);
  }
});
