/** helm's release records as the capability's ReleaseState, and the choices made from history. */
import type { ReleaseState, ReleaseStatus } from "../../../capabilities/index.ts";
import type { HelmRelease, HelmStatus } from "../../kube/helm-release.ts";

const STATUS: Partial<Record<HelmStatus, ReleaseStatus>> = {
  deployed: "deployed",
  failed: "failed",
  superseded: "superseded",
  "pending-install": "pending",
  "pending-upgrade": "pending",
  "pending-rollback": "pending",
};

export function releaseState(release: HelmRelease): ReleaseState {
  return {
    revision: release.version,
    chartVersion: release.chart.metadata.version,
    status: STATUS[release.info.status] ?? "unknown",
  };
}

/** A revision that once ran successfully: deployed now, or superseded by a later one. */
const succeeded = (r: HelmRelease) => r.info.status === "deployed" || r.info.status === "superseded";

/** The newest successful revision before `revision` — what a rollback goes back to. */
export function lastGoodBefore(history: readonly HelmRelease[], revision: number): HelmRelease | undefined {
  return [...history].reverse().find((r) => r.version < revision && succeeded(r));
}
