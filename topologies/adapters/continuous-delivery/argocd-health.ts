/**
 * Is an Application's sync of a revision done, healthy, failed, or not knowable yet? Decided the
 * way Kargo decides it (akuity/kargo internal/argocd), from the object alone:
 * - ComparisonError / InvalidSpecError conditions from a reconciliation after our request are
 *   configuration errors (wrong repo, chart, project, destination);
 * - until the controller has taken our operation, started it, and finished it, we wait;
 * - health is not trusted until `status.reconciledAt` is at or after `operationState.finishedAt`:
 *   before that it describes the previous revision. (Kargo and `argocd app wait` accept equal
 *   times: they are whole seconds, and Argo CD reconciles only after writing finishedAt.)
 * - then Synced at our revision and Healthy is success; Degraded fails at once.
 */
import type { Application } from "./argocd-application.ts";

export type AppVerdict =
  | { readonly state: "healthy" | "waiting" | "degraded" | "failed" | "config"; readonly detail: string };

export interface Expectation {
  readonly revision: string;
  /** When we asked for the sync; operations and conditions older than this are not ours. */
  readonly requestedAt: number;
}

const ERROR_CONDITIONS = ["ComparisonError", "InvalidSpecError"];

const time = (t: string | undefined) => (t === undefined ? Number.NaN : Date.parse(t));
/** Argo CD timestamps are whole seconds: compare ours at that resolution too. */
const notBefore = (t: string | undefined, ms: number) => time(t) >= Math.floor(ms / 1000) * 1000;

export function judgeApplication(app: Application, want: Expectation): AppVerdict {
  const status = app.status ?? {};
  const errors = (status.conditions ?? []).filter((c) => ERROR_CONDITIONS.includes(c.type));
  if (errors.length > 0 && notBefore(status.reconciledAt, want.requestedAt)) {
    return { state: "config", detail: errors.map((c) => `${c.type}: ${c.message ?? ""}`.trim()).join("; ") };
  }
  if (app.operation !== undefined) return { state: "waiting", detail: "sync requested; Argo CD has not started it yet" };
  const op = status.operationState;
  if (op === undefined || op.operation?.sync?.revision !== want.revision || !notBefore(op.startedAt, want.requestedAt)) {
    return { state: "waiting", detail: `waiting for Argo CD to start syncing ${want.revision}` };
  }
  if (op.phase === "Failed" || op.phase === "Error") return { state: "failed", detail: `sync ${op.phase.toLowerCase()}: ${op.message ?? "no message"}` };
  if (op.phase !== "Succeeded" || op.finishedAt === undefined) return { state: "waiting", detail: `sync ${op.phase?.toLowerCase() ?? "running"}${op.message ? `: ${op.message}` : ""}` };
  if (!(time(status.reconciledAt) >= time(op.finishedAt))) {
    return { state: "waiting", detail: `sync finished at ${op.finishedAt}; health not trusted until Argo CD reconciles after it (last reconciled ${status.reconciledAt ?? "never"})` };
  }
  if (status.sync?.status !== "Synced" || status.sync.revision !== want.revision) {
    return { state: "waiting", detail: `${status.sync?.status ?? "Unknown"} at ${status.sync?.revision ?? "no revision"}, want Synced at ${want.revision}` };
  }
  const health = status.health?.status ?? "Unknown";
  const message = status.health?.message ? `: ${status.health.message}` : "";
  if (health === "Healthy") return { state: "healthy", detail: `Synced at ${want.revision} and Healthy` };
  if (health === "Degraded") return { state: "degraded", detail: `Degraded${message}` };
  return { state: "waiting", detail: `health ${health}${message}` };
}

/** What Argo CD says about each unhealthy resource, for the failure message. */
export function unhealthyResources(app: Application): string[] {
  return (app.status?.resources ?? [])
    .filter((r) => r.health?.status !== undefined && r.health.status !== "Healthy")
    .map((r) => `${r.kind?.toLowerCase() ?? "resource"}/${r.name ?? "?"}: ${r.health?.status}${r.health?.message ? ` — ${r.health.message}` : ""}`);
}
