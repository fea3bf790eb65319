/**
 * Follows the workloads a release owns until they are rolled out or have failed, and when they
 * fail says why — the pods' waiting reasons, scheduler conditions, warning events and the last log
 * lines of a crashing container — never just "timed out waiting for the condition".
 */
import type { V1Pod } from "@kubernetes/client-node";
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { isNotFound, kubeMessage, type Kube } from "./client.ts";
import { formatProblem, podProblems, warningMessages, type PodProblem } from "./pod-diagnosis.ts";
import { daemonSetVerdict, deploymentVerdict, describeRef, jobVerdict, statefulSetVerdict, type Verdict, type WorkloadRef } from "./rollout-status.ts";

export interface TrackOptions {
  /** The workloads to follow; asked again each round (a release's manifest may appear late). */
  readonly workloads: () => Promise<readonly WorkloadRef[]>;
  /** Give up after this long; without it, track until `stop`. */
  readonly timeoutSeconds?: number;
  /** Report failures only, never "ready" (while helm itself waits for readiness). */
  readonly failuresOnly?: boolean;
  readonly stop?: AbortSignal;
  readonly pollMs?: number;
  /** Wait this long before the first look (a rollout that has just begun cannot have failed yet). */
  readonly firstLookAfterMs?: number;
  /** An unschedulable pod may be waiting for a node to come up; after this long it has failed. */
  readonly unschedulableSeconds?: number;
}

/** Abort `stop` with this reason when the outcome is already known: no explanation is gathered. */
export const STOP_QUIETLY = "quietly";

export type TrackResult =
  | { readonly status: "ready"; readonly summary: string }
  | { readonly status: "failed" | "timeout" | "stopped"; readonly reason: string };

interface Observation {
  readonly workload: WorkloadRef;
  readonly verdict: Verdict;
  readonly pods: readonly V1Pod[];
}

const selectorOf = (labels: Record<string, string> | undefined): string =>
  Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");

async function podsOf(kube: Kube, namespace: string, labels: Record<string, string> | undefined): Promise<V1Pod[]> {
  if (labels === undefined || Object.keys(labels).length === 0) return [];
  return (await kube.core.listNamespacedPod({ namespace, labelSelector: selectorOf(labels) })).items;
}

/** Pods of the Deployment's newest ReplicaSet: old pods being replaced are not the rollout. */
async function deploymentPods(kube: Kube, namespace: string, name: string, selector: Record<string, string> | undefined, revision: string | undefined): Promise<V1Pod[]> {
  const sets = (await kube.apps.listNamespacedReplicaSet({ namespace, labelSelector: selectorOf(selector) })).items
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === "Deployment" && o.name === name));
  const newest = sets.find((rs) => rs.metadata?.annotations?.["deployment.kubernetes.io/revision"] === revision);
  const hash = newest?.metadata?.labels?.["pod-template-hash"];
  return hash === undefined ? [] : podsOf(kube, namespace, { ...selector, "pod-template-hash": hash });
}

/** A ready workload's pods say nothing more: they are read only while it is not ready. */
async function withPods(w: WorkloadRef, verdict: Verdict, pods: () => Promise<V1Pod[]>): Promise<Observation> {
  return { workload: w, verdict, pods: verdict.state === "ready" ? [] : await pods() };
}

async function observe(kube: Kube, w: WorkloadRef): Promise<Observation> {
  const { name, namespace } = w;
  try {
    switch (w.kind) {
      case "Deployment": {
        const d = await kube.apps.readNamespacedDeployment({ name, namespace });
        const revision = d.metadata?.annotations?.["deployment.kubernetes.io/revision"];
        return await withPods(w, deploymentVerdict(d), () => deploymentPods(kube, namespace, name, d.spec?.selector.matchLabels, revision));
      }
      case "StatefulSet": {
        const st = await kube.apps.readNamespacedStatefulSet({ name, namespace });
        const revision = st.status?.updateRevision;
        const labels = revision === undefined ? st.spec?.selector.matchLabels : { ...st.spec?.selector.matchLabels, "controller-revision-hash": revision };
        return await withPods(w, statefulSetVerdict(st), () => podsOf(kube, namespace, labels));
      }
      case "DaemonSet": {
        const ds = await kube.apps.readNamespacedDaemonSet({ name, namespace });
        return await withPods(w, daemonSetVerdict(ds), () => podsOf(kube, namespace, ds.spec?.selector.matchLabels));
      }
      case "Job": {
        const job = await kube.batch.readNamespacedJob({ name, namespace });
        return await withPods(w, jobVerdict(job), () => podsOf(kube, namespace, { "job-name": name }));
      }
    }
  } catch (error) {
    if (isNotFound(error)) return { workload: w, verdict: { state: "progressing", detail: "not created yet" }, pods: [] };
    throw error;
  }
}

async function logTail(kube: Kube, namespace: string, problem: PodProblem): Promise<string[]> {
  if (!problem.crashed || problem.container === undefined) return [];
  for (const previous of [true, false]) {
    try {
      const log = await kube.core.readNamespacedPodLog({ name: problem.pod, namespace, container: problem.container, previous, tailLines: 10 });
      const lines = String(log).split("\n").filter((l) => l.trim() !== "");
      if (lines.length > 0) return lines;
    } catch {
      // no previous instance (or it was garbage-collected): try the current one
    }
  }
  return [];
}

/** A readable account of where the rollout stands: each workload, then its pods' problems. */
async function explain(kube: Kube, observations: readonly Observation[], problems: readonly PodProblem[]): Promise<string> {
  const lines: string[] = [];
  for (const o of observations) {
    if (o.verdict.state === "ready") continue;
    lines.push(`${describeRef(o.workload)} in ${o.workload.namespace}: ${o.verdict.detail}`);
    const ns = o.workload.namespace;
    const own = problems.filter((p) => o.pods.some((pod) => pod.metadata?.name === p.pod)).slice(0, 3);
    for (const problem of own) {
      const events = await kube.core
        .listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${problem.pod}` })
        .then((list) => warningMessages(list.items), () => []);
      lines.push(formatProblem({ problem, events, logTail: await logTail(kube, ns, problem) }).replace(/^/gm, "  "));
    }
    if (own.length === 0) {
      for (const pod of o.pods.filter((p) => !p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).slice(0, 3)) {
        const events = await kube.core
          .listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod.metadata?.name}` })
          .then((list) => warningMessages(list.items), () => []);
        lines.push(`  pod ${pod.metadata?.name}: ${pod.status?.phase ?? "Pending"}, not ready`);
        for (const e of events) lines.push(`    event ${e}`);
      }
    }
  }
  return lines.join("\n");
}

function pause(ms: number, signals: readonly AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s.addEventListener("abort", done, { once: true });
  });
}

export async function trackRollout(kube: Kube, options: TrackOptions, work: WorkContext): Promise<TrackResult> {
  const deadline = options.timeoutSeconds === undefined ? Infinity : Date.now() + options.timeoutSeconds * 1000;
  const unschedulableMs = (options.unschedulableSeconds ?? 60) * 1000;
  const firstUnschedulable = new Map<string, number>();
  const signals = [work.signal, ...(options.stop ? [options.stop] : [])];
  let last: { observations: Observation[]; problems: PodProblem[] } = { observations: [], problems: [] };
  let reported = "";
  if (options.firstLookAfterMs !== undefined) {
    await pause(options.firstLookAfterMs, signals);
    // Stopped before the first look: nothing was seen, so there is nothing to explain.
    if (options.stop?.aborted && !work.signal.aborted) return { status: "stopped", reason: "" };
  }
  // Most rollouts are ready at the first or second look: start polling fast, back off to 1 s.
  for (let round = 0; ; round++) {
    if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted while following the rollout");
    try {
      const observations = await Promise.all((await options.workloads()).map((w) => observe(kube, w)));
      const problems = observations.flatMap((o) => o.pods.flatMap(podProblems));
      last = { observations, problems };
      const now = Date.now();
      for (const p of problems.filter((p) => p.reason === "Unschedulable")) if (!firstUnschedulable.has(p.pod)) firstUnschedulable.set(p.pod, now);
      const stuck = (p: PodProblem) => p.terminal || (p.reason === "Unschedulable" && now - (firstUnschedulable.get(p.pod) ?? now) >= unschedulableMs);
      if (observations.some((o) => o.verdict.state === "failed") || problems.some(stuck)) {
        return { status: "failed", reason: await explain(kube, observations, problems.filter((p) => stuck(p) || !p.terminal)) };
      }
      if (!options.failuresOnly && observations.every((o) => o.verdict.state === "ready")) {
        return { status: "ready", summary: observations.map((o) => `${describeRef(o.workload)}: ${o.verdict.detail}`).join("; ") || "no workloads to wait for" };
      }
      const progress = observations.filter((o) => o.verdict.state !== "ready").map((o) => `${describeRef(o.workload)}: ${o.verdict.detail}`).join("; ");
      if (progress !== reported && progress !== "") work.reporter.debug(`rollout: ${progress}`);
      reported = progress;
    } catch (error) {
      if (error instanceof HarmonyError) throw error;
      work.reporter.debug(`rollout: cannot read workloads (${kubeMessage(error)}); retrying`);
    }
    if (options.stop?.aborted) {
      return { status: "stopped", reason: options.stop.reason === STOP_QUIETLY ? "" : await explain(kube, last.observations, last.problems) };
    }
    if (Date.now() >= deadline) {
      const why = await explain(kube, last.observations, last.problems);
      return { status: "timeout", reason: why === "" ? "the workloads could not be read" : why };
    }
    await pause(options.pollMs ?? Math.min(1000, 200 * 1.5 ** round), signals);
  }
}
