/**
 * DeployScore: install or upgrade the published chart (its image pinned by digest) on one target. A failed deploy rolls the target back to its previous release and reports failure.
 */
import type { ClusterTarget, ReleaseState } from "../capabilities/index.ts";
import type { AppSpec } from "./app-spec.ts";
import { requirePublished, type PipelineState } from "./pipeline-state.ts";
import type { Score } from "./score.ts";

export function deployScore(
  app: AppSpec,
  version: string,
  target: ClusterTarget,
  state: PipelineState,
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
      const values = app.values[target.name] ?? {};
      try {
        const release = await caps.continuousDelivery.deploy({ app: app.name, version, target, chart, values }, work);
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
