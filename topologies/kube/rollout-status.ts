/**
 * Is a workload rolled out? Pure verdicts over the objects the API returns, following the rules
 * `kubectl rollout status` uses, plus which workloads a release owns (from its rendered manifest).
 */
import type { V1DaemonSet, V1Deployment, V1Job, V1StatefulSet, V1StatefulSetStatus } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet" | "Job";
const KINDS: readonly string[] = ["Deployment", "StatefulSet", "DaemonSet", "Job"];

export interface WorkloadRef {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;
}

export type Verdict =
  | { readonly state: "ready"; readonly detail: string }
  | { readonly state: "progressing"; readonly detail: string }
  | { readonly state: "failed"; readonly detail: string };

export const describeRef = (w: WorkloadRef): string => `${w.kind.toLowerCase()}/${w.name}`;

/** The Deployments, StatefulSets, DaemonSets and Jobs in a rendered (multi-document) manifest. */
export function workloadsIn(manifest: string, defaultNamespace: string): WorkloadRef[] {
  const out: WorkloadRef[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const obj = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
    if (obj === null || typeof obj !== "object" || !KINDS.includes(obj.kind ?? "") || !obj.metadata?.name) continue;
    out.push({ kind: obj.kind as WorkloadKind, name: obj.metadata.name, namespace: obj.metadata.namespace ?? defaultNamespace });
  }
  return out;
}

const ready = (detail: string): Verdict => ({ state: "ready", detail });
const progressing = (detail: string): Verdict => ({ state: "progressing", detail });
const failed = (detail: string): Verdict => ({ state: "failed", detail });

function stale(generation: number | undefined, observed: number | undefined): boolean {
  return (generation ?? 0) > (observed ?? 0);
}

export function deploymentVerdict(d: V1Deployment): Verdict {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  if (stale(d.metadata?.generation, s.observedGeneration)) return progressing("waiting for the controller to see the new spec");
  const deadline = s.conditions?.find((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded");
  if (deadline !== undefined) return failed(`progress deadline exceeded: ${deadline.message ?? ""}`.trim());
  const updated = s.updatedReplicas ?? 0;
  if (updated < want) return progressing(`${updated} of ${want} pods updated`);
  if ((s.replicas ?? 0) > updated) return progressing(`${(s.replicas ?? 0) - updated} old pods still terminating`);
  if ((s.availableReplicas ?? 0) < updated) return progressing(`${s.availableReplicas ?? 0} of ${updated} updated pods available`);
  return ready(`${updated} of ${want} pods updated and available`);
}

export function statefulSetVerdict(st: V1StatefulSet): Verdict {
  const want = st.spec?.replicas ?? 1;
  const s: Partial<V1StatefulSetStatus> = st.status ?? {};
  if (stale(st.metadata?.generation, s.observedGeneration)) return progressing("waiting for the controller to see the new spec");
  if ((s.readyReplicas ?? 0) < want) return progressing(`${s.readyReplicas ?? 0} of ${want} pods ready`);
  if (st.spec?.updateStrategy?.type !== "OnDelete" && s.updateRevision !== s.currentRevision) {
    return progressing(`${s.updatedReplicas ?? 0} of ${want} pods at the new revision`);
  }
  return ready(`${want} of ${want} pods ready`);
}

export function daemonSetVerdict(ds: V1DaemonSet): Verdict {
  const s = ds.status;
  if (s === undefined || stale(ds.metadata?.generation, s.observedGeneration)) return progressing("waiting for the controller to see the new spec");
  const want = s.desiredNumberScheduled;
  if ((s.updatedNumberScheduled ?? 0) < want) return progressing(`${s.updatedNumberScheduled ?? 0} of ${want} pods updated`);
  if ((s.numberAvailable ?? 0) < want) return progressing(`${s.numberAvailable ?? 0} of ${want} pods available`);
  return ready(`${want} of ${want} pods available`);
}

export function jobVerdict(job: V1Job): Verdict {
  const conditions = job.status?.conditions ?? [];
  const failedCondition = conditions.find((c) => c.type === "Failed" && c.status === "True");
  if (failedCondition !== undefined) return failed(`job failed: ${failedCondition.reason ?? ""} ${failedCondition.message ?? ""}`.trim());
  if (conditions.some((c) => c.type === "Complete" && c.status === "True")) return ready("job complete");
  return progressing(`${job.status?.active ?? 0} pods running, ${job.status?.succeeded ?? 0} succeeded, ${job.status?.failed ?? 0} failed`);
}
