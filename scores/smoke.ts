/**
 * Smoke checks, the deploy's companion: run every check that applies to the target; when one fails,
 * roll the target back and report failure with each check's evidence. Outcomes are values.
 */
import type { ClusterTarget, WorkContext } from "../capabilities/index.ts";
import type { AppSpec, SmokeCheck } from "./app-spec.ts";
import type { Score } from "./score.ts";

export interface CheckResult {
  readonly check: SmokeCheck["type"];
  readonly status: "passed" | "failed" | "skipped";
  /** What was seen: a status line, a body excerpt, a reason for skipping. */
  readonly evidence: string;
}

export interface SmokeContext {
  readonly app: string;
  readonly version: string;
  readonly target: ClusterTarget;
}

/** Runs one check of any type; provided by the topology layer (it talks to the outside world). */
export interface SmokeRunner {
  run(check: SmokeCheck, context: SmokeContext, work: WorkContext): Promise<CheckResult>;
}

export function appliesTo(check: SmokeCheck, target: string): boolean {
  return check.targets.length === 0 || check.targets.includes(target);
}

export function smokeScore(
  app: AppSpec,
  version: string,
  target: ClusterTarget,
  runner: SmokeRunner,
): Score<"continuousDelivery", readonly CheckResult[]> {
  return {
    name: `smoke ${target.name}`,
    needs: ["continuousDelivery"],
    run: async (caps, work) => {
      const checks = app.smoke.filter((c) => appliesTo(c, target.name));
      if (checks.length === 0) return { status: "skipped", summary: "no smoke checks declared", detail: [] };
      if (caps.continuousDelivery.appliesImmediately === false) {
        const why = `${caps.continuousDelivery.adapter} only writes the desired state; nothing runs until it is applied`;
        const results = checks.map((c): CheckResult => ({ check: c.type, status: "skipped", evidence: why }));
        return { status: "skipped", summary: `${checks.length} skipped: ${why}`, detail: results };
      }
      const results: CheckResult[] = [];
      for (const check of checks) results.push(await runner.run(check, { app: app.name, version, target }, work));
      const failed = results.filter((r) => r.status === "failed");
      const passed = results.filter((r) => r.status === "passed").length;
      const skipped = results.length - passed - failed.length;
      const counts = `${passed} passed, ${failed.length} failed, ${skipped} skipped`;
      if (failed.length === 0) {
        return { status: passed > 0 ? "succeeded" : "skipped", summary: counts, detail: results };
      }
      const back = await caps.continuousDelivery.rollback(target, work);
      const after = back === undefined ? "no previous release to roll back to" : `rolled back to revision ${back.revision}`;
      const why = failed.map((r) => `${r.check}: ${r.evidence}`).join("; ");
      return { status: "failed", summary: `${counts} (${why}); ${after}`, detail: results };
    },
  };
}
