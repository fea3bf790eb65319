/**
 * DeployScore: install or upgrade the published chart (its image pinned by digest) on one target. A failed deploy rolls the target back to its previous release and reports failure.
 */
import type { ClusterTarget, DeployRequest, ReleaseState } from "../capabilities/index.ts";
import type { AppSpec } from "./app-spec.ts";
import { requirePublished, type PipelineState } from "./pipeline-state.ts";
import type { Score } from "./score.ts";

export function deployScore(
  app: AppSpec,
  version: string,
  target: ClusterTarget,
  state: PipelineState,
  /** Targets the pipeline deploys after this one: checked now, before this one changes. */
  later: readonly ClusterTarget[] = [],
): Score<"continuousDelivery", ReleaseState> {
  const name = `deploy ${target.name}`;
  return {
    name,
    needs: ["continuousDelivery"],
    run: async (caps, work) => {
      const { chart } = requirePublished(state, name);
      // Resume: the release already runs this version, healthy — nothing to do.
      const current = await caps.continuousDelivery.current(target, work);
      if (current?.status === "deployed" && current.chartVersion === chart.version) {
        return { status: "succeeded", summary: `already deployed: ${target.releaseName} revision ${current.revision} runs ${chart.version}`, detail: current };
      }
      // The published chart already pins the image by digest (hydrated at release); the values
      // here are only the target's own, so a chart keeps its image wherever it declared it.
      const request = (t: ClusterTarget): DeployRequest => ({ app: app.name, version, target: t, chart, values: app.values[t.name] ?? {} });
      // A value production's cluster would refuse fails now, while nothing has changed anywhere.
      const refused = (await caps.continuousDelivery.check?.([target, ...later].map(request), work)) ?? [];
      if (refused.length > 0) {
        return { status: "failed", summary: `nothing was changed: the chart's manifests would be refused:\n  ${refused.join("\n  ")}` };
      }
      try {
        const release = await caps.continuousDelivery.deploy(request(target), work);
        return { status: "succeeded", summary: `${target.releaseName} revision ${release.revision} in ${target.namespace}`, detail: release };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (work.signal.aborted) throw error;
        const back = await caps.continuousDelivery.rollback(target, work);
        let after = back === undefined ? "no previous release to roll back to" : `rolled back to revision ${back.revision}`;
        // The adapter found nothing of this deploy to undo (it never got the lock, or never wrote).
        if (back !== undefined && back.revision === current?.revision) after = `nothing to roll back: revision ${back.revision} still runs`;
        return { status: "failed", summary: `${reason}; ${after}` };
      }
    },
  };
}
