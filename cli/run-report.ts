/** How a pipeline run is shown: one line per step with duration and result, and the JSON document. */
import type { RunObserver, RunResult, StepResult } from "../scores/runner.ts";
import type { Output } from "./output.ts";
import type { PlanView } from "./plan-view.ts";

const MARK = { succeeded: "ok", skipped: "skipped", failed: "FAILED" } as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function stepLine(step: StepResult): string {
  return `${step.name.padEnd(18)} ${MARK[step.outcome.status].padEnd(7)} ${seconds(step.durationMs).padStart(7)}  ${step.outcome.summary}`;
}

export function printRun(out: Output): RunObserver {
  const reporter = out.reporter();
  return {
    stepStarted: (name) => reporter.info(`${name} …`),
    stepFinished: (step) => out.text(stepLine(step)),
  };
}

export function runDocument(plan: PlanView, result: RunResult) {
  return {
    tag: plan.tag,
    app: plan.app,
    version: plan.version,
    topology: plan.topology,
    outcome: result.status,
    steps: result.steps.map((s) => ({ name: s.name, status: s.outcome.status, durationMs: Math.round(s.durationMs), summary: s.outcome.summary, detail: s.outcome.detail })),
    notRun: result.notRun,
  };
}
