/** Deploy targets as declared once per project, resolved per app into a capability DeployTarget. */
import type { ClusterTarget } from "../capabilities/index.ts";

export interface TargetSpec {
  readonly kind: "cluster";
  readonly name: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  /** `{app}` is replaced by the app name. */
  readonly releaseName: string;
  readonly baseUrl?: string;
}

/** The targets every pipeline walks through, in order. */
export const PIPELINE_TARGETS = ["staging", "production"] as const;
export type PipelineTarget = (typeof PIPELINE_TARGETS)[number];

export function targetFor(app: string, spec: TargetSpec): ClusterTarget {
  return { ...spec, releaseName: spec.releaseName.replaceAll("{app}", app) };
}
