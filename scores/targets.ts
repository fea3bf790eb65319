/** Deploy targets as declared once per project, resolved per app into a capability DeployTarget. */
import type { ClusterTarget } from "../capabilities/index.ts";

/** A ClusterTarget whose `releaseName` is still a template: `{app}` becomes each app's name. */
export type TargetSpec = ClusterTarget;

/** The targets every pipeline walks through, in order. */
export const PIPELINE_TARGETS = ["staging", "production"] as const;
export type PipelineTarget = (typeof PIPELINE_TARGETS)[number];

export function targetFor(app: string, spec: TargetSpec): ClusterTarget {
  return { ...spec, releaseName: spec.releaseName.replaceAll("{app}", app) };
}
