import type { Preflight } from "./preflight.ts";
import type { PublishedChart } from "./helm-registry.ts";
import type { WorkContext } from "./work-context.ts";

/**
 * Where a release goes. Only in-cluster targets exist today; the union leaves room for:
 * - `fleet`: several ClusterTargets with a rollout order and a failure budget per wave;
 * - `edge`: a device selector (labels), an agent endpoint and an offline-tolerance window.
 */
export type DeployTarget = ClusterTarget;

export interface ClusterTarget {
  readonly kind: "cluster";
  /** Target name from harmony.yaml (`staging`, `production`, …). */
  readonly name: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  readonly releaseName: string;
  /** Base URL smoke checks are templated from. */
  readonly baseUrl?: string;
}

export interface DeployRequest {
  readonly app: string;
  readonly version: string;
  readonly target: DeployTarget;
  readonly chart: PublishedChart;
  readonly values: Readonly<Record<string, unknown>>;
}

export type ReleaseStatus = "deployed" | "failed" | "pending" | "superseded" | "unknown";

export interface ReleaseState {
  readonly revision: number;
  readonly chartVersion: string;
  readonly status: ReleaseStatus;
}

export interface ContinuousDelivery extends Preflight {
  readonly adapter: string;
  deploy(request: DeployRequest, work: WorkContext): Promise<ReleaseState>;
  /** The release as it is now, or undefined when it was never installed. */
  current(target: DeployTarget, work: WorkContext): Promise<ReleaseState | undefined>;
  /** Back to the release before the current one; undefined when there is none to go back to. */
  rollback(target: DeployTarget, work: WorkContext): Promise<ReleaseState | undefined>;
}
