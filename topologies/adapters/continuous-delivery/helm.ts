/**
 * ContinuousDelivery through the helm CLI (3 or 4): `helm upgrade --install` of the published
 * chart with the image pinned by digest, under a per-(app, target) Lease, reading release state
 * from helm's own release Secrets. While helm waits for readiness we follow the rollout ourselves:
 * a rollout that cannot succeed (ImagePullBackOff, CrashLoopBackOff…) stops helm early (SIGTERM:
 * helm then rolls back, as --atomic/--rollback-on-failure asks) and the error says why.
 */
import {
  HarmonyError,
  type ClusterTarget,
  type ContinuousDelivery,
  type DeployRequest,
  type DeployTarget,
  type ReleaseState,
  type WorkContext,
} from "../../../capabilities/index.ts";
import type { ContinuousDeliveryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { locationKey, type Kube } from "../../kube/client.ts";
import { readReleases } from "../../kube/helm-release.ts";
import { workloadsIn } from "../../kube/rollout-status.ts";
import { STOP_QUIETLY, trackRollout, type TrackResult } from "../../kube/track.ts";
import { clusterTarget, connections, lockSettings, releaseScope, underLock } from "./cluster-target.ts";
import { chartFetcher } from "./chart-fetch.ts";
import { chartSource, detectHelm, helmError, rollbackArgs, upgradeArgs, type HelmCli } from "./helm-cli.ts";
import { repairStuckRelease } from "./helm-repair.ts";
import { manifestChecker } from "./manifest-check.ts";
import { lastGoodBefore, releaseState } from "./helm-state.ts";
import { runProcess, type ProcessResult } from "./process.ts";
import { chartAccess, writeScratchFiles } from "./scratch-files.ts";

export type HelmDeliveryConfig = Extract<ContinuousDeliveryConfig, { adapter: "helm" }>;

const DEFAULT_TIMEOUT_SECONDS = 300;

function refused(target: string, problems: readonly string[]): HarmonyError {
  return new HarmonyError("failed", `the ${target} cluster would refuse the chart's manifests:\n  ${problems.join("\n  ")}`);
}

const waitedTooLong = (text: string) => /timed out waiting for the condition|context deadline exceeded|timeout/i.test(text);

export function createHelmDelivery(config: HelmDeliveryConfig, env: AdapterEnv): ContinuousDelivery {
  const timeoutSeconds = config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const lock = lockSettings(env, config.lockWaitSeconds);
  let cli: Promise<HelmCli> | undefined;
  const helm = (work: WorkContext) => (cli ??= detectHelm(env.env, config.helmVersion, work));
  const fetchChart = chartFetcher(env);
  const connect = connections(env);
  const checkManifests = manifestChecker(env, helm, fetchChart, connect);
  /**
   * Per release, the revision a failed deploy left in place when that is already the good one
   * (helm rolled back, or never got as far as writing a revision). DeployScore calls rollback()
   * after a failed deploy: going back from there would undo the release before it.
   */
  const goodAfterFailure = new Map<string, number>();
  /** Releases whose last deploy failed before it held the deploy lock (it wrote nothing). */
  const neverLocked = new Set<string>();
  const key = (t: ClusterTarget) => `${locationKey(t)}|${t.namespace}|${t.releaseName}`;

  async function latest(kube: Kube, target: ClusterTarget): Promise<ReleaseState | undefined> {
    const history = await readReleases(kube, target.namespace, target.releaseName);
    const last = history[history.length - 1];
    return last === undefined ? undefined : releaseState(last);
  }

  async function helmRollback(cli: HelmCli, target: ClusterTarget, revision: number, work: WorkContext): Promise<void> {
    const result = await runProcess([cli.bin, ...rollbackArgs(cli, target, revision, timeoutSeconds)], work, { env: env.env, label: "helm" });
    if (work.signal.aborted) throw new HarmonyError("interrupted", `interrupted while rolling ${target.releaseName} back`);
    if (result.code !== 0) throw new HarmonyError("failed", `helm rollback of ${target.releaseName} to revision ${revision} failed: ${helmError(result)}`);
  }

  /** `before`: the revision in place under the lock; `validated`: the render passed the manifest check. */
  async function upgrade(kube: Kube, cli: HelmCli, request: DeployRequest, target: ClusterTarget, o: { validated: boolean; before: number }, work: WorkContext): Promise<ReleaseState> {
    const { before, validated } = o;
    const access = chartAccess(request.chart, env.env);
    const files = writeScratchFiles(request.values, request.chart, access, env.env, await fetchChart(request.chart, work));
    const stopHelm = new AbortController();
    const stopTracking = new AbortController();
    // The manifest of the revision helm is writing, once it exists: that is what the rollout is.
    let manifest: string | undefined;
    const workloads = async () => {
      const history = await readReleases(kube, target.namespace, target.releaseName);
      manifest = history.filter((r) => r.version > before).at(-1)?.manifest ?? manifest;
      return manifest === undefined ? [] : workloadsIn(manifest, target.namespace);
    };
    // Not in the first second: no pull or crash can have failed yet, and a deploy that is done by
    // then (most upgrades) leaves helm the whole machine.
    const watching = trackRollout(kube, { workloads, failuresOnly: true, stop: stopTracking.signal, firstLookAfterMs: 1000 }, work).then((r: TrackResult) => {
      if (r.status === "failed") {
        work.reporter.info(`the rollout of ${target.releaseName} cannot succeed; stopping helm so it rolls back`);
        stopHelm.abort();
      }
      return r;
    }, (error: unknown): TrackResult => {
      // Interrupted, or the cluster stopped answering: helm's own outcome decides, and is reported.
      return { status: "stopped", reason: error instanceof HarmonyError && error.kind === "interrupted" ? "" : String(error) };
    });
    let result: ProcessResult | undefined;
    try {
      const args = upgradeArgs(cli, {
        target,
        ...chartSource(files, request.chart, access),
        valuesFile: files.valuesFile,
        timeoutSeconds,
        description: `harmony: ${request.app} ${request.version}`,
        validated,
      });
      work.reporter.info(`helm ${cli.version}: upgrade --install ${target.releaseName} (${request.chart.name} ${request.chart.version}) in ${target.namespace}`);
      result = await runProcess([cli.bin, ...args], work, { env: env.env, label: "helm", cancel: stopHelm.signal, graceMs: (timeoutSeconds + 30) * 1000 });
    } finally {
      files.dispose();
      // helm succeeded: our confirmation follows, so the tracker need not explain where it stopped.
      stopTracking.abort(result?.code === 0 && !result.stopped ? STOP_QUIETLY : undefined);
    }
    const tracked = await watching;
    if (work.signal.aborted) throw new HarmonyError("interrupted", `interrupted while deploying ${request.app} to ${target.name}`);
    if (result.code === 0 && !result.stopped) return confirm(kube, target, manifest, work);
    return fail(kube, request, target, result, tracked, before);
  }

  /** helm said yes; our own look at the workloads agrees before we report success. */
  async function confirm(kube: Kube, target: ClusterTarget, tracked: string | undefined, work: WorkContext): Promise<ReleaseState> {
    const reading = readReleases(kube, target.namespace, target.releaseName);
    // The manifest the tracker saw is the new revision's (helm writes it before applying): with it
    // the workloads are looked at while the release is read, not after.
    const manifest = async () => tracked ?? (await reading).at(-1)?.manifest ?? "";
    const [history, rollout] = await Promise.all([reading, trackRollout(kube, { workloads: async () => workloadsIn(await manifest(), target.namespace), timeoutSeconds }, work)]);
    const last = history.at(-1);
    if (last === undefined) throw new HarmonyError("failed", `helm reported success but release ${target.releaseName} has no revision in ${target.namespace}`);
    if (rollout.status !== "ready") throw new HarmonyError("failed", `${target.releaseName} revision ${last.version} is not ready:\n${rollout.reason}`);
    work.reporter.info(`${target.releaseName} revision ${last.version} ready: ${rollout.summary}`);
    return releaseState(last);
  }

  async function fail(kube: Kube, request: DeployRequest, target: ClusterTarget, result: ProcessResult, tracked: TrackResult, before: number): Promise<never> {
    const helmSaid = helmError(result);
    let why: string;
    if (tracked.status === "failed") why = tracked.reason;
    else if (waitedTooLong(helmSaid) && tracked.status !== "ready" && tracked.reason !== "") why = `not ready within ${timeoutSeconds}s:\n${tracked.reason}`;
    else why = helmSaid;
    const after = await readReleases(kube, target.namespace, target.releaseName);
    const last = after.at(-1);
    let outcome: string;
    if (last === undefined) outcome = "helm removed the failed first install";
    else if (last.version > before && last.info.status === "deployed") {
      goodAfterFailure.set(key(target), last.version);
      outcome = `helm rolled back: revision ${last.version} runs chart ${last.chart.metadata.version} again`;
    } else if (last.version === before) {
      goodAfterFailure.set(key(target), last.version);
      outcome = `nothing was changed: revision ${last.version} (chart ${last.chart.metadata.version}) still runs`;
    } else outcome = `release is at revision ${last.version} (${last.info.status})`;
    throw new HarmonyError("failed", `deploy of ${request.app} ${request.version} to ${target.name} failed:\n${why}`, { hint: outcome });
  }

  return {
    adapter: "helm",

    /** helm is installed and is the major version asked for. */
    async preflight(work) {
      try {
        await helm(work);
        return [];
      } catch (error) {
        return [error instanceof HarmonyError ? `${error.message}${error.hint ? ` (${error.hint})` : ""}` : String(error)];
      }
    },

    async check(requests, work) {
      const checked = await Promise.all(requests.map(async (r) => (await checkManifests(r, work)).problems.map((p) => `${r.target.name}: ${p}`)));
      return checked.flat();
    },

    async deploy(request, work) {
      const target = clusterTarget(request.target, env);
      const cli = await helm(work);
      const kube = await connect(target);
      neverLocked.delete(key(target));
      let locked = false;
      try {
        // Checked before the lock: what fails here changed nothing (and rollback knows it).
        const checked = await checkManifests(request, work);
        if (checked.problems.length > 0) throw refused(request.target.name, checked.problems);
        return await underLock(kube, releaseScope(target), lock, work, async () => {
          locked = true;
          let history = await readReleases(kube, target.namespace, target.releaseName);
          const repair = await repairStuckRelease(kube, target, history, (revision) => helmRollback(cli, target, revision, work), work);
          if (repair.action !== "none") history = await readReleases(kube, target.namespace, target.releaseName);
          goodAfterFailure.delete(key(target));
          // What DeployScore saw before the lock may be stale: a run killed mid-upgrade whose helm
          // lived on, or the same tag released twice at once, can have deployed this very version
          // while we waited. It is in place: a second revision of it would be a duplicate.
          const last = history.at(-1);
          const now = last === undefined ? undefined : releaseState(last);
          if (now?.status === "deployed" && now.chartVersion === request.chart.version) {
            work.reporter.info(`${target.releaseName} revision ${now.revision} already runs ${request.chart.name} ${now.chartVersion} (deployed while we waited for the lock)`);
            return now;
          }
          return upgrade(kube, cli, request, target, { validated: checked.helmMaySkipValidation, before: now?.revision ?? 0 }, work);
        }, { createNamespace: true }); // the lock lives in the target namespace (helm would create it anyway)
      } catch (error) {
        if (!locked) neverLocked.add(key(target));
        throw error;
      }
    },

    async current(deployTarget: DeployTarget) {
      const target = clusterTarget(deployTarget, env);
      return latest(await connect(target), target);
    },

    async rollback(deployTarget, work) {
      const target = clusterTarget(deployTarget, env);
      const cli = await helm(work);
      const kube = await connect(target);
      // A deploy that never got the lock changed nothing: what runs now is the holder's, and
      // rolling back once the holder lets go would undo that pipeline's release.
      if (neverLocked.delete(key(target))) {
        work.reporter.info(`the deploy never held the lock on ${target.releaseName}: nothing of it to roll back`);
        return latest(kube, target);
      }
      return underLock(kube, releaseScope(target), lock, work, async () => {
        const found = await readReleases(kube, target.namespace, target.releaseName);
        const repair = await repairStuckRelease(kube, target, found, (revision) => helmRollback(cli, target, revision, work), work);
        const history = repair.action === "none" ? found : await readReleases(kube, target.namespace, target.releaseName);
        const last = history.at(-1);
        if (last === undefined) return undefined;
        if (repair.action === "rollback" || goodAfterFailure.get(key(target)) === last.version) {
          goodAfterFailure.delete(key(target));
          work.reporter.info(`${target.releaseName} is already back on chart ${last.chart.metadata.version} (revision ${last.version})`);
          return releaseState(last);
        }
        const to = lastGoodBefore(history, last.version);
        if (to === undefined) return undefined;
        work.reporter.info(`rolling ${target.releaseName} back to revision ${to.version} (chart ${to.chart.metadata.version})`);
        await helmRollback(cli, target, to.version, work);
        return latest(kube, target);
      }, { createNamespace: true });
    },
  };
}
