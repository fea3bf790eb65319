/**
 * Runs scores in order against one topology. Each blocks the next: the first that fails (or throws)
 * stops the run. Before the first score starts, the topology is checked for every needed capability.
 */
import { HarmonyError, type WorkContext } from "../capabilities/index.ts";
import type { Capabilities, CapabilityName, Outcome, ProvidedBy, Score, Topology } from "./score.ts";

export interface StepResult {
  readonly name: string;
  readonly outcome: Outcome;
  readonly durationMs: number;
}

export interface RunResult {
  readonly status: "succeeded" | "failed";
  readonly steps: readonly StepResult[];
  /** Scores that did not run because an earlier one failed. */
  readonly notRun: readonly string[];
}

export interface RunObserver {
  stepStarted?(name: string): void;
  stepFinished?(step: StepResult): void;
}

/** Capabilities the scores need that the topology does not provide, with the scores needing each. */
export function missingCapabilities(
  topology: Topology,
  scores: readonly Score<CapabilityName>[],
): Map<CapabilityName, string[]> {
  const missing = new Map<CapabilityName, string[]>();
  for (const score of scores) {
    for (const need of score.needs) {
      if (topology.capabilities[need] !== undefined) continue;
      missing.set(need, [...(missing.get(need) ?? []), score.name]);
    }
  }
  return missing;
}

/** The run-time check for topologies read from YAML: throws, listing every gap, before any work. */
export function assertProvides(topology: Topology, scores: readonly Score<CapabilityName>[]): void {
  const missing = missingCapabilities(topology, scores);
  if (missing.size === 0) return;
  const lines = [...missing].map(([cap, by]) => `  ${cap} (needed by ${by.join(", ")})`);
  throw new HarmonyError("config", `topology "${topology.name}" does not provide:\n${lines.join("\n")}`, {
    hint: `declare an adapter for each under topologies.${topology.name} in harmony.yaml`,
  });
}

/** Statically checked form: each score's needs must be provided by the topology's type. */
export function runScores<P extends Partial<Capabilities>>(
  topology: Topology<P>,
  scores: readonly Score<ProvidedBy<P>>[],
  work: WorkContext,
  observer: RunObserver = {},
): Promise<RunResult> {
  return runChecked(topology, scores as readonly Score<CapabilityName>[], work, observer);
}

/** Dynamically checked form, for topologies assembled from harmony.yaml. */
export async function runChecked(
  topology: Topology,
  scores: readonly Score<CapabilityName>[],
  work: WorkContext,
  observer: RunObserver = {},
): Promise<RunResult> {
  assertProvides(topology, scores);
  return runInOrder(topology.capabilities as Capabilities, scores, work, observer);
}

async function runInOrder(
  caps: Capabilities,
  scores: readonly Score<CapabilityName>[],
  work: WorkContext,
  observer: RunObserver,
): Promise<RunResult> {
  const steps: StepResult[] = [];
  for (const [index, score] of scores.entries()) {
    if (work.signal.aborted) throw new HarmonyError("interrupted", `interrupted before ${score.name}`);
    observer.stepStarted?.(score.name);
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await score.run(caps, work);
    } catch (error) {
      if (error instanceof HarmonyError && error.kind !== "failed") throw error;
      if (work.signal.aborted) throw new HarmonyError("interrupted", `interrupted during ${score.name}`);
      const reason = error instanceof Error ? error.message : String(error);
      outcome = { status: "failed", summary: reason };
    }
    const step = { name: score.name, outcome, durationMs: performance.now() - started };
    steps.push(step);
    observer.stepFinished?.(step);
    if (outcome.status === "failed") {
      return { status: "failed", steps, notRun: scores.slice(index + 1).map((s) => s.name) };
    }
  }
  return { status: "succeeded", steps, notRun: [] };
}
