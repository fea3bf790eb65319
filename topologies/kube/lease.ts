/**
 * A lock per (release, target) — one app on one target — as a coordination.k8s.io/v1 Lease, so two
 * pipelines never deploy the same app to the same place at once. The holder renews it while it
 * works and deletes it when done; a holder that died stops renewing, and its lease counts as
 * expired once it has not changed for a whole lease duration *by our own clock* (client-go's
 * leader election does the same: comparing the holder's timestamps with ours would trust two
 * clocks to agree).
 */
import { hostname } from "node:os";
import type { V1Lease } from "@kubernetes/client-node";
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { isConflict, isNotFound, kubeMessage, type Kube } from "./client.ts";

export interface LeaseOptions {
  readonly namespace: string;
  readonly name: string;
  /** Who we are, as other pipelines will read it: see holderIdentity(). */
  readonly holder: string;
  /** What the lock protects, for messages: `fleet-operator on staging`. */
  readonly what: string;
  /** How long a lease lives without renewal. */
  readonly leaseSeconds?: number;
  /** How long to wait for another holder before failing. */
  readonly waitSeconds: number;
  readonly pollMs?: number;
  /** Creates the namespace when it does not exist yet (the lease lives there). */
  readonly createNamespace?: () => Promise<void>;
}

export interface HeldLease {
  readonly name: string;
  release(): Promise<void>;
}

/** host/pid/run: enough for a person to find the pipeline that holds a lock. */
export function holderIdentity(runId: string): string {
  return `${hostname()}/${process.pid}/${runId}`;
}

/** A Lease name (DNS subdomain) for a release on a target. */
export function leaseName(release: string, target: string): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  return `harmony-deploy.${clean(release)}.${clean(target)}`.slice(0, 253);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function interrupted(what: string): HarmonyError {
  return new HarmonyError("interrupted", `interrupted while waiting for the deploy lock on ${what}`);
}

export async function acquireLease(kube: Kube, options: LeaseOptions, work: WorkContext): Promise<HeldLease> {
  const { namespace, name, holder } = options;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const now = () => new kube.k8s.V1MicroTime();
  const claim = (existing: V1Lease | undefined): V1Lease => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace, ...(existing?.metadata?.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}) },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: leaseSeconds,
      acquireTime: now(),
      renewTime: now(),
      leaseTransitions: (existing?.spec?.leaseTransitions ?? -1) + 1,
    },
  });
  // A free lock is the common case: claim it in one round trip, and read only when it is taken.
  const create = async (mayCreateNamespace = true): Promise<boolean> => {
    try {
      await kube.coordination.createNamespacedLease({ namespace, body: claim(undefined) });
      return true;
    } catch (error) {
      if (isConflict(error)) return false; // AlreadyExists: someone holds (or held) it
      if (isNotFound(error) && options.createNamespace && mayCreateNamespace) {
        await options.createNamespace();
        return create(false);
      }
      throw new HarmonyError("failed", `cannot take lease ${namespace}/${name} (${kube.where}): ${kubeMessage(error)}`);
    }
  };
  if (!work.signal.aborted && (await create())) return hold(kube, options, leaseSeconds, work);
  const deadline = Date.now() + options.waitSeconds * 1000;
  let observed: { version: string; since: number } | undefined;
  let told = false;
  for (;;) {
    if (work.signal.aborted) throw interrupted(options.what);
    let existing: V1Lease | undefined;
    try {
      existing = await kube.coordination.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!isNotFound(error)) throw new HarmonyError("failed", `cannot read lease ${namespace}/${name} (${kube.where}): ${kubeMessage(error)}`);
    }
    const current = existing?.spec?.holderIdentity;
    const version = existing?.metadata?.resourceVersion ?? "";
    if (observed?.version !== version) observed = { version, since: Date.now() };
    const expired = Date.now() - observed.since > (existing?.spec?.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (existing === undefined || !current || current === holder || expired) {
      try {
        if (existing === undefined) await kube.coordination.createNamespacedLease({ namespace, body: claim(undefined) });
        else await kube.coordination.replaceNamespacedLease({ name, namespace, body: claim(existing) });
        if (expired && current && current !== holder) work.reporter.warn(`took over the deploy lock on ${options.what}: its holder ${current} stopped renewing it`);
        return hold(kube, options, leaseSeconds, work);
      } catch (error) {
        // Someone else created or renewed it between our read and write: look again.
        if (isConflict(error)) continue; // 409 Conflict, or AlreadyExists for a create that lost the race
        throw new HarmonyError("failed", `cannot take lease ${namespace}/${name} (${kube.where}): ${kubeMessage(error)}`);
      }
    }
    if (Date.now() >= deadline) {
      const since = existing.spec?.acquireTime ? ` since ${new Date(String(existing.spec.acquireTime)).toISOString()}` : "";
      throw new HarmonyError("failed", `${options.what} is being deployed by ${current}${since}; gave up after waiting ${options.waitSeconds}s`, {
        hint: `wait for that pipeline to finish; if it is gone, its lock expires ${leaseSeconds}s after it stopped renewing (or delete lease ${name} in ${namespace})`,
      });
    }
    if (!told) {
      work.reporter.info(`waiting for the deploy lock on ${options.what}, held by ${current}`);
      told = true;
    }
    await sleep(options.pollMs ?? 1000, work.signal);
  }
}

function hold(kube: Kube, options: LeaseOptions, leaseSeconds: number, work: WorkContext): HeldLease {
  const { namespace, name, holder } = options;
  let renewing: Promise<void> = Promise.resolve();
  const renew = async () => {
    try {
      const lease = await kube.coordination.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== holder) {
        work.reporter.warn(`lost the deploy lock on ${options.what} to ${lease.spec?.holderIdentity ?? "nobody"}`);
        return;
      }
      lease.spec.renewTime = new kube.k8s.V1MicroTime();
      await kube.coordination.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (error) {
      work.reporter.debug(`renewing lease ${namespace}/${name}: ${kubeMessage(error)}`);
    }
  };
  const timer = setInterval(() => {
    renewing = renewing.then(renew);
  }, (leaseSeconds * 1000) / 3);
  return {
    name,
    async release() {
      clearInterval(timer);
      await renewing;
      try {
        const lease = await kube.coordination.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity !== holder) return;
        await kube.coordination.deleteNamespacedLease({
          name,
          namespace,
          body: { preconditions: { resourceVersion: lease.metadata?.resourceVersion } },
        });
      } catch (error) {
        // It expires on its own; a failed release only delays the next pipeline.
        if (!isNotFound(error)) work.reporter.warn(`could not release the deploy lock on ${options.what}: ${kubeMessage(error)}`);
      }
    },
  };
}
