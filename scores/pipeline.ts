/**
 * The opinionated pipeline (ADR-012): release → deploy staging → smoke staging → deploy production →
 * smoke production. `until` stops after a target's smoke checks; `promote` starts at production from
 * artifacts already published.
 */
import type { AppSpec } from "./app-spec.ts";
import { deployScore } from "./deploy.ts";
import type { PipelineState } from "./pipeline-state.ts";
import { releaseScore, verifyPublishedScore, type ReleasePreparation } from "./release.ts";
import type { CapabilityName, Score } from "./score.ts";
import { smokeScore, type SmokeRunner } from "./smoke.ts";
import { PIPELINE_TARGETS, targetFor, type PipelineTarget, type TargetSpec } from "./targets.ts";

export interface PipelineOptions {
  readonly until?: PipelineTarget;
  readonly promote?: boolean;
}

export interface PipelineInputs {
  readonly app: AppSpec;
  readonly version: string;
  readonly chartName: string;
  readonly targets: Readonly<Record<string, TargetSpec>>;
  readonly prep: ReleasePreparation;
  readonly smoke: SmokeRunner;
}

/** Step names in order, for plans; the same list `buildPipeline` produces. */
export function pipelineTargets(options: PipelineOptions): PipelineTarget[] {
  const start = options.promote ? PIPELINE_TARGETS.indexOf("production") : 0;
  const end = options.until ? PIPELINE_TARGETS.indexOf(options.until) : PIPELINE_TARGETS.length - 1;
  return PIPELINE_TARGETS.slice(start, end + 1);
}

export function buildPipeline(inputs: PipelineInputs, options: PipelineOptions): Score<CapabilityName>[] {
  const { app, version, targets } = inputs;
  const state: PipelineState = {};
  const scores: Score<CapabilityName>[] = [
    options.promote
      ? verifyPublishedScore(app, version, inputs.chartName, state)
      : releaseScore(app, version, inputs.chartName, inputs.prep, state),
  ];
  const chosen = pipelineTargets(options).map((name) => {
    const spec = targets[name];
    if (spec === undefined) throw new Error(`target ${name} is not declared`);
    return targetFor(app.name, spec);
  });
  chosen.forEach((target, i) => {
    scores.push(deployScore(app, version, target, state, chosen.slice(i + 1)));
    scores.push(smokeScore(app, version, target, inputs.smoke));
  });
  return scores;
}
