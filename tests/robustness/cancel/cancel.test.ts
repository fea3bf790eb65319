/**
 * Cancellation through dist/harmony: SIGINT (to harmony alone, as a CI runner cancelling a job
 * sends it) during the docker build, during the push and during the helm upgrade. Each time:
 * exit 130; every process harmony started (recorded from /proc while it ran) is gone, and nothing
 * is left in its process group; no helm revision pending, no deploy lock held, no version tag on a
 * half-pushed image; then the same tag released again completes in the correct final state.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureBinary } from "../../e2e/binary.ts";
import { world } from "../../world/index.ts";
import { startHarmony, survivors } from "../support/run-harmony.ts";
import { robustProject, type RobustProject } from "../support/run-project.ts";
import { history, leftLeases, registryDigest, releaseProblems } from "../support/run-state.ts";

interface Phase {
  readonly name: string;
  readonly at: (p: RobustProject) => RegExp;
  /** The child that must be running when the signal comes (none: the push is harmony's own HTTP). */
  readonly child?: string;
  /** Wait until helm has written its revision (pending) before interrupting. */
  readonly helmWriting?: boolean;
}

const PHASES: readonly Phase[] = [
  { name: "build", at: () => /^docker: Step 2\/10/, child: "docker build" },
  // The push streams `docker save` into the uploads: interrupted once that export has begun.
  { name: "push", at: () => /^exporting sha256:[0-9a-f]+ from the Docker daemon/ },
  { name: "deploy", at: (p) => new RegExp(`upgrade --install .* in ${p.namespaces.staging}$`), child: "helm upgrade", helmWriting: true },
];

const ready = (["docker", "registry", "kube", "helm"] as const).every((p) => world.available(p));
let project: RobustProject;
const table: string[][] = [];

beforeAll(async () => {
  if (!ready) return;
  await ensureBinary();
  project = await robustProject("cancel-app");
}, 600_000);

afterAll(() => {
  if (table.length > 0) {
    const header = ["SIGINT during", "running then", "exit", "children seen", "left alive", "state after", "re-run"];
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
    console.log(`\ncancellation (SIGINT to dist/harmony):\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("-|-")}\n${table.map(line).join("\n")}\n`);
  }
  project?.cleanup();
});

/** What the interrupted run left: the version's image tag, the newest staging revision, locks. */
async function stateAfter(p: RobustProject, version: string): Promise<{ text: string; pending: string[]; leases: string[] }> {
  const image = (await registryDigest(p, `apps/${p.app}`, version)) ? "image tagged" : "no image tag";
  const revisions = await history(p, p.namespaces.staging);
  const last = revisions.at(-1);
  const pending = revisions.filter((r) => r.status.startsWith("pending")).map((r) => `r${r.revision} ${r.status}`);
  const leases = await leftLeases(p, p.namespaces.staging);
  const release = last ? `staging r${last.revision} ${last.chart.replace(`${p.app}-`, "")} ${last.status}` : "staging empty";
  return { text: `${image}, ${release}, ${leases.length} lock(s)`, pending, leases };
}

describe.skipIf(!ready)("SIGINT during build, push and deploy (real parts)", () => {
  for (const [index, phase] of PHASES.entries()) {
    test(`during ${phase.name}: exit 130, no child left, nothing half done, the re-run completes`, async () => {
      const version = `0.${index + 1}.0`;
      writeFileSync(join(project.dir, "app/CHANGES"), `${version}\n`); // new code: a real build and rollout
      const args = ["--from-tag", `${project.app}-v${version}`, "--until", "staging"];
      const run = startHarmony(project, args, { trackChildren: true });
      let exited = false;
      void run.exited.then(() => (exited = true));
      await run.waitForLine(phase.at(project));
      if (phase.helmWriting) {
        while (!(await history(project, project.namespaces.staging)).at(-1)?.status.startsWith("pending")) {
          if (exited) throw new Error("harmony finished before helm wrote its revision");
          await Bun.sleep(50);
        }
      }
      run.kill("SIGINT");
      const interrupted = await run.exited;
      const seen = [...new Set([...run.children.values()].map((c) => c.command))].sort();
      const alive = survivors(run);
      const after = await stateAfter(project, version);

      const again = await project.release(args);
      const problems = await releaseProblems(project, version, ["staging"]);
      table.push([
        phase.name,
        run.runningAtSignal.join(", ") || "harmony alone",
        String(interrupted.code),
        seen.join(", ") || "none",
        alive.map((p) => `${p.command}(${p.pid})`).join(", ") || "none",
        after.text,
        again.code === 0 && problems.length === 0 ? "exit 0, correct" : `exit ${again.code}: ${problems.join("; ")}`,
      ]);
      expect(interrupted.code).toBe(130);
      expect(interrupted.stderr).toContain("SIGINT: stopping");
      if (phase.child !== undefined) expect(run.runningAtSignal).toContain(phase.child);
      expect(alive).toEqual([]);
      expect(after.pending).toEqual([]);
      expect(after.leases).toEqual([]);
      expect(again.code).toBe(0);
      expect(problems).toEqual([]);
    }, 600_000);
  }
});
