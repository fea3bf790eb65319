/**
 * ContinuousDelivery through Argo CD: harmony writes the Application (the chart from the OCI
 * registry at the release's version, values inline, the target as destination), asks for a sync
 * through its `operation` field — what `argocd app sync` does — and waits for Argo CD's verdict
 * the way Kargo does (argocd-health.ts). No Argo CD API server or CLI is needed: only the
 * Kubernetes API of the cluster Argo CD runs in (the target's kubeconfig and context).
 *
 * Argo CD pulls the chart itself: a registry that needs credentials, plain HTTP or a private CA
 * must be registered in Argo CD as a repository (enableOCI) — harmony does not write those.
 */
import {
  HarmonyError,
  type ClusterTarget,
  type ContinuousDelivery,
  type ReleaseState,
  type WorkContext,
} from "../../../capabilities/index.ts";
import type { ContinuousDeliveryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { isConflict, isNotFound, kubeMessage, type Kube } from "../../kube/client.ts";
import {
  applicationName,
  desiredApplication,
  GROUP,
  PLURAL,
  sourceFor,
  VERSION,
  type Application,
  type ApplicationSource,
  type ArgoSettings,
} from "./argocd-application.ts";
import { judgeApplication, unhealthyResources } from "./argocd-health.ts";
import { clusterTarget, connections, lockSettings, underLock, type LockScope } from "./cluster-target.ts";

export type ArgoCdDeliveryConfig = Extract<ContinuousDeliveryConfig, { adapter: "argocd" }>;

const POLL_MS = 1000;

function stateOf(app: Application): ReleaseState {
  const s = app.status ?? {};
  const history = s.history ?? [];
  let status: ReleaseState["status"] = "unknown";
  if (app.operation !== undefined || s.operationState?.phase === "Running") status = "pending";
  else if (s.health?.status === "Degraded" || s.operationState?.phase === "Failed" || s.operationState?.phase === "Error") status = "failed";
  else if (s.health?.status === "Healthy" && s.sync?.status === "Synced") status = "deployed";
  return { revision: history.at(-1)?.id ?? 0, chartVersion: s.sync?.revision ?? app.spec.source.targetRevision, status };
}

export function createArgoCdDelivery(config: ArgoCdDeliveryConfig, env: AdapterEnv): ContinuousDelivery {
  const settings: ArgoSettings = {
    namespace: config.namespace,
    project: config.project,
    destinationServer: config.destinationServer ?? "https://kubernetes.default.svc",
  };
  const timeoutSeconds = config.timeoutSeconds ?? 300;
  const lock = lockSettings(env, config.lockWaitSeconds);
  const connect = connections(env);
  /** Applications a failed deploy did not write to: rollback() leaves those alone. */
  const untouched = new Set<string>();
  const ref = (name: string) => ({ group: GROUP, version: VERSION, namespace: settings.namespace, plural: PLURAL, name });
  const scope = (target: ClusterTarget): LockScope => ({
    namespace: settings.namespace, release: applicationName(target), target: target.name, what: `${target.releaseName} on ${target.name}`,
  });

  async function read(kube: Kube, name: string): Promise<Application | undefined> {
    try {
      return (await kube.custom.getNamespacedCustomObject(ref(name))) as Application;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new HarmonyError("failed", `cannot read Argo CD Application ${settings.namespace}/${name} (${kube.where}): ${kubeMessage(error)}`);
    }
  }

  /** Writes our spec and sync request over whatever is there; retried when Argo CD wrote in between. */
  async function requestSync(kube: Kube, target: ClusterTarget, source: (existing: Application | undefined) => ApplicationSource, reason: string): Promise<number> {
    const name = applicationName(target);
    for (;;) {
      const existing = await read(kube, name);
      const body = desiredApplication(existing, target, settings, source(existing), reason);
      const requestedAt = Date.now();
      try {
        if (existing === undefined) await kube.custom.createNamespacedCustomObject({ ...ref(name), body });
        else await kube.custom.replaceNamespacedCustomObject({ ...ref(name), body });
        return requestedAt;
      } catch (error) {
        if (isConflict(error)) continue;
        if (isNotFound(error)) {
          throw new HarmonyError("config", `cannot write Argo CD Application ${settings.namespace}/${name} (${kube.where}): ${kubeMessage(error)}`, {
            hint: `is Argo CD installed there, in namespace ${settings.namespace}? (continuousDelivery.namespace)`,
          });
        }
        throw new HarmonyError("failed", `cannot write Argo CD Application ${settings.namespace}/${name}: ${kubeMessage(error)}`);
      }
    }
  }

  async function awaitSync(kube: Kube, name: string, revision: string, requestedAt: number, work: WorkContext): Promise<ReleaseState> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    const label = `Argo CD Application ${settings.namespace}/${name}`;
    let said = "";
    for (;;) {
      if (work.signal.aborted) throw new HarmonyError("interrupted", `interrupted while waiting for ${label}`);
      const app = await read(kube, name);
      if (app === undefined) throw new HarmonyError("failed", `${label} was deleted while harmony waited for it`);
      const verdict = judgeApplication(app, { revision, requestedAt });
      switch (verdict.state) {
        case "healthy":
          work.reporter.info(`${label}: ${verdict.detail}`);
          return stateOf(app);
        case "config":
          throw new HarmonyError("config", `${label} cannot sync ${revision}: ${verdict.detail}`, { hint: "check the chart repository, chart name and version, project and destination" });
        case "degraded":
        case "failed": {
          const resources = unhealthyResources(app).map((r) => `\n  ${r}`).join("");
          throw new HarmonyError("failed", `${label} ${verdict.state === "degraded" ? "is" : "failed:"} ${verdict.detail} after syncing ${revision}${resources}`);
        }
        case "waiting":
          if (verdict.detail !== said) work.reporter.info(`${label}: ${verdict.detail}`);
          said = verdict.detail;
      }
      if (Date.now() >= deadline) {
        throw new HarmonyError("failed", `${label} did not become Synced and Healthy at ${revision} within ${timeoutSeconds}s; last seen: ${said}`);
      }
      await Bun.sleep(POLL_MS);
    }
  }

  return {
    adapter: "argocd",

    async deploy(request, work) {
      const target = clusterTarget(request.target, env);
      const kube = await connect(target);
      const name = applicationName(target);
      untouched.delete(name);
      return underLock(kube, scope(target), lock, work, async () => {
        const requestedAt = await requestSync(kube, target, () => sourceFor(request, target), `harmony deploy ${request.app} ${request.version}`).catch((error: unknown) => {
          untouched.add(name);
          throw error;
        });
        work.reporter.info(`Argo CD: sync of ${applicationName(target)} to ${request.chart.name} ${request.chart.version} requested`);
        return awaitSync(kube, applicationName(target), request.chart.version, requestedAt, work);
      });
    },

    async current(deployTarget) {
      const target = clusterTarget(deployTarget, env);
      const app = await read(await connect(target), applicationName(target));
      return app === undefined ? undefined : stateOf(app);
    },

    async rollback(deployTarget, work) {
      const target = clusterTarget(deployTarget, env);
      const kube = await connect(target);
      return underLock(kube, scope(target), lock, work, async () => {
        const app = await read(kube, applicationName(target));
        if (app === undefined) return undefined;
        if (untouched.delete(applicationName(target))) {
          work.reporter.info(`Argo CD Application ${applicationName(target)} was not changed by the failed deploy: nothing to roll back`);
          return stateOf(app);
        }
        // The newest deployment Argo CD recorded of another version than the one asked for now.
        const current = app.spec.source.targetRevision;
        const previous = [...(app.status?.history ?? [])].reverse().find((h) => h.revision !== undefined && h.revision !== current);
        if (previous?.revision === undefined) return undefined;
        const back = previous.source ?? { ...app.spec.source, targetRevision: previous.revision };
        work.reporter.info(`Argo CD: re-pointing ${applicationName(target)} from ${current} to ${back.targetRevision}`);
        const requestedAt = await requestSync(kube, target, () => back, `harmony rollback to ${back.targetRevision}`);
        return awaitSync(kube, applicationName(target), back.targetRevision, requestedAt, work);
      });
    },
  };
}
