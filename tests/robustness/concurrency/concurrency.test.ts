/**
 * Concurrency through dist/harmony on the real cluster. Two pipelines of one app promoting to the
 * same target at the same moment take turns on the deploy lock (a Lease per app and target): helm
 * never runs two operations on one release at once. With a short lock wait the loser fails naming
 * the holder and touches nothing — not even after the holder lets go. Two different apps run side
 * by side. Deploy windows are the moments stderr lines reached this process ("upgrade --install"
 * → "revision N ready"): an order, not a duration.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureBinary } from "../../e2e/binary.ts";
import { world } from "../../world/index.ts";
import { startHarmony, type LiveRun } from "../support/run-harmony.ts";
import { robustProject, type RobustProject } from "../support/run-project.ts";
import { history, releaseProblems } from "../support/run-state.ts";

const ready = (["docker", "registry", "kube", "helm"] as const).every((p) => world.available(p));
const projects: RobustProject[] = [];
const report: string[] = [];
/** One app with 0.1.0 and 0.2.0 published (and run on staging): promotions reach their deploy at once. */
let twin: RobustProject;

beforeAll(async () => {
  if (!ready) return;
  await ensureBinary();
  twin = await project("twin-app");
  for (const version of ["0.1.0", "0.2.0"]) {
    writeFileSync(join(twin.dir, "app/CHANGES"), `${version}\n`); // each version its own image, so each deploy rolls out
    expect(await codeOf(run(twin, ["--from-tag", `twin-app-v${version}`, "--until", "staging"], "setup"))).toBe(0);
  }
}, 600_000);

afterAll(() => {
  if (report.length > 0) console.log(`\nconcurrency (dist/harmony, real cluster):\n  ${report.join("\n  ")}\n`);
  for (const p of projects) p.cleanup();
});

async function project(app: string): Promise<RobustProject> {
  const p = await robustProject(app);
  projects.push(p);
  return p;
}

const run = (p: RobustProject, args: string[], runId: string) => startHarmony(p, args, { env: { HARMONY_RUN_ID: runId } });
const promote = (version: string, runId: string) => run(twin, ["--from-tag", `twin-app-v${version}`, "--promote"], runId);
const WAITING = /^waiting for the deploy lock on /;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const revisionsOf = (revisions: { revision: number; chart: string; status: string }[]) => revisions.map((r) => `r${r.revision} ${r.chart} ${r.status}`).join(", ");

/** When this run's helm upgrade started and when harmony saw its rollout ready. */
function deployWindow(live: LiveRun, namespace: string): { start: number; end: number } {
  const start = live.lines.find((l) => l.text.includes("upgrade --install") && l.text.endsWith(`in ${namespace}`));
  const end = live.lines.find((l) => / revision \d+ ready: /.test(l.text));
  if (!start || !end) throw new Error(`no helm upgrade seen in ${namespace}:\n${live.lines.map((l) => l.text).join("\n")}`);
  return { start: start.at, end: end.at };
}

/** Resolves once helm has written a pending revision in `namespace` (the holder is mid-upgrade). */
async function untilPending(p: RobustProject, namespace: string, holder: LiveRun): Promise<void> {
  let done = false;
  void holder.exited.then(() => (done = true));
  while (!(await history(p, namespace)).at(-1)?.status.startsWith("pending")) {
    if (done) throw new Error(`the holder finished before helm left a pending revision in ${namespace}`);
    await Bun.sleep(50);
  }
}

/** The exit code, with what harmony said when it is not the one a test expects to see. */
async function codeOf(live: LiveRun, expected = 0): Promise<number> {
  const exit = await live.exited;
  if (exit.code !== expected) console.error(`harmony exited ${exit.code}:\n${exit.stderr.slice(-3000)}`);
  return exit.code;
}

async function kubectl(p: RobustProject, args: string[], stdin?: string): Promise<void> {
  const child = Bun.spawn([p.helm.kubectl, ...args, "--kubeconfig", p.kube.kubeconfig, "--context", p.kube.context], { env: p.env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${err}`);
}

describe.skipIf(!ready)("concurrency (real parts)", () => {
  test("two pipelines promote the same app to the same target together: one waits for the other's lock, helm runs one at a time", async () => {
    const a = promote("0.1.0", "run-a");
    const b = promote("0.2.0", "run-b");
    expect(await Promise.all([codeOf(a), codeOf(b)])).toEqual([0, 0]);
    // Exactly one waited, naming the other as the holder (host/pid/run id).
    const waiters = [a, b].filter((r) => r.lines.some((l) => WAITING.test(l.text)));
    expect(waiters).toHaveLength(1);
    const second = waiters[0]!;
    const first = second === a ? b : a;
    const waited = second.lines.find((l) => WAITING.test(l.text))!.text;
    expect(waited).toMatch(new RegExp(`held by \\S+/${first.pid}/${first === a ? "run-a" : "run-b"}$`));
    // The second helm upgrade began only after the first rollout was ready.
    const w1 = deployWindow(first, twin.namespaces.production);
    const w2 = deployWindow(second, twin.namespaces.production);
    expect(w2.start).toBeGreaterThan(w1.end);
    const revisions = await history(twin, twin.namespaces.production);
    expect(revisions.map((r) => [r.revision, r.status])).toEqual([[1, "superseded"], [2, "deployed"]]);
    expect(await releaseProblems(twin, second === a ? "0.1.0" : "0.2.0", ["production"])).toEqual([]);
    report.push(
      `same app+target together: both exit 0; one waited ("${waited}"); helm windows 0.0s–${seconds(w1.end - w1.start)} then ` +
        `${seconds(w2.start - w1.start)}–${seconds(w2.end - w1.start)} (never overlapping); production: ${revisionsOf(revisions)}`,
    );
  }, 600_000);

  test("with a 1s lock wait, a second pipeline fails naming the holder; the holder's deploy stands", async () => {
    const running = (await history(twin, twin.namespaces.production)).at(-1)!.chart.replace("twin-app-", "");
    const [mine, theirs] = running === "0.1.0" ? ["0.2.0", "0.1.0"] : ["0.1.0", "0.2.0"];
    const holder = promote(mine, "holder");
    await holder.waitForLine(/upgrade --install/);
    await untilPending(twin, twin.namespaces.production, holder);
    twin.configure((m) => {
      m.topologies.ci.continuousDelivery.lockWaitSeconds = 1;
    });
    const loser = promote(theirs, "loser");
    expect(await Promise.all([codeOf(holder), codeOf(loser, 1)])).toEqual([0, 1]);
    const lost = await loser.exited;
    const deploy = lost.json?.steps?.find((s: { name: string }) => s.name === "deploy production");
    expect(deploy?.status).toBe("failed");
    expect(deploy.summary).toMatch(new RegExp(`^twin-app on production is being deployed by \\S+/${holder.pid}/holder since `));
    const revisions = await history(twin, twin.namespaces.production);
    expect(revisions.at(-1)).toMatchObject({ chart: `twin-app-${mine}`, status: "deployed" });
    // `mine` ran once before, in the first test: this is its second deploy, the loser's none.
    expect(await releaseProblems(twin, mine, ["production"], 2)).toEqual([]);
    report.push(`1s lock wait: holder exit 0, loser exit ${lost.code}: "${deploy.summary.split(";")[0]}"; production: ${revisionsOf(revisions)}`);
  }, 600_000);

  test("a pipeline that never got the lock does not roll back the release once the holder lets go", async () => {
    const before = await history(twin, twin.namespaces.production);
    const running = before.at(-1)!.chart.replace("twin-app-", "");
    const other = running === "0.1.0" ? "0.2.0" : "0.1.0";
    // Another pipeline (this test) holds the lock; it lets go while the loser is still failing.
    const holderIdentity = "ci-runner-7/4242/other-pipeline";
    const now = new Date().toISOString().replace("Z", "000Z");
    await kubectl(twin, ["apply", "-f", "-"], JSON.stringify({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "harmony-deploy.twin-app.production", namespace: twin.namespaces.production },
      spec: { holderIdentity, leaseDurationSeconds: 30, acquireTime: now, renewTime: now },
    }));
    const loser = promote(other, "loser");
    // Released once the loser has given up on its deploy (its deploy step fails after 1s), or
    // when it asks for the lock a second time (to roll back).
    await loser.waitForLine(WAITING);
    await Promise.race([loser.exited, (async () => {
      while (loser.lines.filter((l) => WAITING.test(l.text)).length < 2) await Bun.sleep(20);
    })()]);
    await kubectl(twin, ["delete", "lease", "harmony-deploy.twin-app.production", "-n", twin.namespaces.production]);
    expect(await codeOf(loser, 1)).toBe(1);
    const lost = await loser.exited;
    const deploy = lost.json.steps.find((s: { name: string }) => s.name === "deploy production");
    expect(deploy.summary).toContain(`is being deployed by ${holderIdentity}`);
    const after = await history(twin, twin.namespaces.production);
    expect(after).toEqual(before);
    expect(deploy.summary).toContain("nothing to roll back");
    expect(lost.stderr).not.toContain("rolling twin-app back");
    report.push(`loser without the lock: exit ${lost.code}, "${deploy.summary.split("\n")[0]}"; production untouched (${revisionsOf(after)})`);
  }, 600_000);

  test("two different apps (own namespaces) released together both succeed, neither waits", async () => {
    const [one, two] = await Promise.all([project("side-one"), project("side-two")]);
    const a = run(one, ["--from-tag", "side-one-v0.1.0", "--until", "staging"], "one");
    const b = run(two, ["--from-tag", "side-two-v0.1.0", "--until", "staging"], "two");
    expect(await Promise.all([codeOf(a), codeOf(b)])).toEqual([0, 0]);
    for (const r of [a, b]) expect(r.lines.filter((l) => WAITING.test(l.text))).toEqual([]);
    expect(await releaseProblems(one, "0.1.0", ["staging"])).toEqual([]);
    expect(await releaseProblems(two, "0.1.0", ["staging"])).toEqual([]);
    const w1 = deployWindow(a, one.namespaces.staging);
    const w2 = deployWindow(b, two.namespaces.staging);
    const overlap = Math.min(w1.end, w2.end) - Math.max(w1.start, w2.start);
    report.push(`two apps together: both exit 0, no lock waits; their helm upgrades overlapped for ${seconds(Math.max(0, overlap))}`);
  }, 600_000);
});
