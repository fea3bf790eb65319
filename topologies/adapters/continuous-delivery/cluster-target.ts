/**
 * What the cluster-based adapters (helm, argocd) share: the target as a cluster location, a
 * connection to it, and the per-(app, target) deploy lock every change runs under.
 */
import { isAbsolute, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { HarmonyError, type ClusterTarget, type DeployTarget, type WorkContext } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";
import { connectKube, isConflict, isNotFound, kubeMessage, locationKey, type Kube } from "../../kube/client.ts";
import { acquireLease, holderIdentity, leaseName, type HeldLease } from "../../kube/lease.ts";

/** The cluster target with its kubeconfig resolved against the project directory. */
export function clusterTarget(target: DeployTarget, env: AdapterEnv): ClusterTarget {
  switch (target.kind) {
    case "cluster":
      if (target.kubeconfig === undefined || isAbsolute(target.kubeconfig)) return target;
      return { ...target, kubeconfig: resolve(env.projectDir, target.kubeconfig) };
  }
}

/** One connection per cluster for the life of an adapter: loading a kubeconfig each call costs. */
export function connections(env: AdapterEnv): (target: ClusterTarget) => Promise<Kube> {
  const open = new Map<string, Promise<Kube>>();
  return (target) => {
    const key = locationKey(target);
    let found = open.get(key);
    if (found === undefined) {
      found = connectKube({ ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}), ...(target.context ? { context: target.context } : {}) }, env.env);
      open.set(key, found);
      found.catch(() => open.delete(key));
    }
    return found;
  };
}

/** The namespace must exist before the lock can live in it (helm would create it anyway). */
export async function ensureNamespace(kube: Kube, namespace: string): Promise<void> {
  try {
    await kube.core.readNamespace({ name: namespace });
  } catch (error) {
    if (!isNotFound(error)) throw new HarmonyError("failed", `cannot read namespace ${namespace} (${kube.where}): ${kubeMessage(error)}`);
    try {
      await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
    } catch (createError) {
      if (!isConflict(createError)) throw new HarmonyError("failed", `cannot create namespace ${namespace} (${kube.where}): ${kubeMessage(createError)}`);
    }
  }
}

export interface LockSettings {
  /** Identifies this pipeline run in lock holders: $HARMONY_RUN_ID, else random per adapter. */
  readonly runId: string;
  readonly waitSeconds: number;
}

export function lockSettings(env: AdapterEnv, waitSeconds: number | undefined): LockSettings {
  return { runId: env.env.HARMONY_RUN_ID || randomUUID().slice(0, 8), waitSeconds: waitSeconds ?? 600 };
}

/** What one deploy lock protects: a release on a target, with its Lease in `namespace`. */
export interface LockScope {
  readonly namespace: string;
  readonly release: string;
  readonly target: string;
  /** For messages: `web on staging`. */
  readonly what: string;
}

/** The lock of a release on a cluster target, kept in the target's namespace. */
export function releaseScope(target: ClusterTarget): LockScope {
  return { namespace: target.namespace, release: target.releaseName, target: target.name, what: `${target.releaseName} on ${target.name}` };
}

/**
 * Runs `body` holding the deploy lock of one release on one target (a release name is one app's
 * on a target, and rollback only knows the target); released however `body` ends.
 */
export async function underLock<T>(
  kube: Kube,
  scope: LockScope,
  lock: LockSettings,
  work: WorkContext,
  body: () => Promise<T>,
  options: { readonly createNamespace?: boolean } = {},
): Promise<T> {
  const held: HeldLease = await acquireLease(kube, {
    namespace: scope.namespace,
    name: leaseName(scope.release, scope.target),
    holder: holderIdentity(lock.runId),
    what: scope.what,
    waitSeconds: lock.waitSeconds,
    ...(options.createNamespace ? { createNamespace: () => ensureNamespace(kube, scope.namespace) } : {}),
  }, work);
  try {
    return await body();
  } finally {
    await held.release();
  }
}
