/**
 * A release left pending by a helm client that was killed (CI job cancelled, runner lost) blocks
 * every later helm command with "another operation (install/upgrade/rollback) is in progress".
 * We only look while holding the deploy lock, so no harmony pipeline is mid-operation on it: the
 * pending revision is debris. A pending install with nothing before it is deleted (helm then
 * installs afresh and adopts what the dead client created); a pending upgrade or rollback is rolled
 * back to the last revision that ran successfully, as helm itself would have done had it lived.
 */
import { HarmonyError, type ClusterTarget, type WorkContext } from "../../../capabilities/index.ts";
import { kubeMessage, type Kube } from "../../kube/client.ts";
import { isPending, secretName, setReleaseStatus, type HelmRelease } from "../../kube/helm-release.ts";
import { lastGoodBefore } from "./helm-state.ts";

export type StuckRepair =
  | { readonly action: "none" }
  | { readonly action: "delete"; readonly stuck: HelmRelease }
  | { readonly action: "rollback"; readonly stuck: HelmRelease; readonly to: HelmRelease };

/** What to do about the newest revision, decided from history alone. */
export function planRepair(history: readonly HelmRelease[]): StuckRepair {
  const last = history[history.length - 1];
  if (last === undefined || !isPending(last)) return { action: "none" };
  const to = lastGoodBefore(history, last.version);
  if (last.info.status === "pending-install" || to === undefined) return { action: "delete", stuck: last };
  return { action: "rollback", stuck: last, to };
}

export function describeStuck(release: HelmRelease): string {
  const since = release.info.last_deployed ? ` since ${release.info.last_deployed}` : "";
  return `release ${release.name} in ${release.namespace} was left in ${release.info.status} (revision ${release.version}${since}) by a helm client that did not finish`;
}

/** Repairs what `history` (the release's revisions, just read) shows was left unfinished. */
export async function repairStuckRelease(
  kube: Kube,
  target: ClusterTarget,
  history: readonly HelmRelease[],
  rollbackTo: (revision: number) => Promise<void>,
  work: WorkContext,
): Promise<StuckRepair> {
  const plan = planRepair(history);
  switch (plan.action) {
    case "none":
      return plan;
    case "delete":
      work.reporter.warn(`${describeStuck(plan.stuck)}: removing that unfinished revision`);
      try {
        await kube.core.deleteNamespacedSecret({ name: secretName(plan.stuck.name, plan.stuck.version), namespace: target.namespace });
      } catch (error) {
        throw new HarmonyError("failed", `${describeStuck(plan.stuck)}, and removing it failed: ${kubeMessage(error)}`, {
          hint: `delete secret ${secretName(plan.stuck.name, plan.stuck.version)} in ${target.namespace} by hand`,
        });
      }
      return plan;
    case "rollback":
      work.reporter.warn(`${describeStuck(plan.stuck)}: rolling back to revision ${plan.to.version} (chart ${plan.to.chart.metadata.version})`);
      await rollbackTo(plan.to.version);
      // helm's rollback supersedes the deployed revision but leaves the dead one pending forever;
      // record it as what it was, a failed operation, so `helm history` tells the truth.
      try {
        await setReleaseStatus(kube, plan.stuck, "failed", `${plan.stuck.info.description ?? ""}; its helm client was killed (harmony rolled back to ${plan.to.version})`.replace(/^; /, ""));
      } catch (error) {
        work.reporter.warn(`could not mark revision ${plan.stuck.version} of ${plan.stuck.name} failed: ${kubeMessage(error)}`);
      }
      return plan;
  }
}
