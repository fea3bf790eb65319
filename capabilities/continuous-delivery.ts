import type { Preflight } from "./preflight.ts";
import type { PublishedChart } from "./helm-registry.ts";
import type { WorkContext } from "./work-context.ts";

/**
 * Where a release goes. Only in-cluster targets exist today; the union leaves room for:
 * - `fleet`: several ClusterTargets with a rollout order (waves), a failure budget per wave and
 *   whether a failed wave rolls back the waves before it;
 * - `edge`: a device selector (labels), the agent endpoint that devices pull from, and an
 *   offline-tolerance window (how long a device may be unreachable before the rollout fails).
 * Adapters switch on `kind`, so adding one is a compile error everywhere it must be handled.
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

/**
 * How a deployer reaches the registry a chart was published to, when that is not plain HTTPS
 * with a public CA and no credentials. Set by the HelmRegistry adapter that pushed the chart (it
 * knows its own settings); absent, deployers fall back to their environment
 * (HARMONY_CHART_PLAIN_HTTP, HARMONY_CHART_CA_FILE).
 */
export interface ChartRegistryAccess {
  /** The registry speaks plain HTTP (a loopback or in-cluster registry). */
  readonly plainHttp?: boolean;
  /** PEM bundle that signs the registry's certificate. */
  readonly caFile?: string;
  readonly username?: string;
  /** Name of the environment variable holding the password: never the secret itself. */
  readonly passwordEnv?: string;
}

/** A published chart, with how to reach its registry when that needs saying. */
export type DeployableChart = PublishedChart & { readonly access?: ChartRegistryAccess };

export interface DeployRequest {
  readonly app: string;
  readonly version: string;
  readonly target: DeployTarget;
  readonly chart: DeployableChart;
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
  /**
   * False when a deploy only writes desired state for something else to apply later (GitOps):
   * nothing runs yet, so checks against the running app are skipped, not passed. Default true.
   */
  readonly appliesImmediately?: boolean;
  /**
   * What the targets would refuse, found without changing anything (each request rendered and
   * validated for its target), one line per problem naming the target; empty when all is well.
   * Optional: an adapter that cannot look before it applies leaves it out.
   */
  check?(requests: readonly DeployRequest[], work: WorkContext): Promise<readonly string[]>;
  deploy(request: DeployRequest, work: WorkContext): Promise<ReleaseState>;
  /** The release as it is now, or undefined when it was never installed. */
  current(target: DeployTarget, work: WorkContext): Promise<ReleaseState | undefined>;
  /** Back to the release before the current one; undefined when there is none to go back to. */
  rollback(target: DeployTarget, work: WorkContext): Promise<ReleaseState | undefined>;
}
