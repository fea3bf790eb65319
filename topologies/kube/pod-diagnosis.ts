/**
 * Why a pod is not ready, in the words the cluster uses: waiting reasons (ImagePullBackOff,
 * CrashLoopBackOff…), the scheduler's Unschedulable condition, warning events and, for a crashing
 * container, the last lines it logged. Pure: the tracker fetches, this explains.
 */
import type { CoreV1Event, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";

export interface PodProblem {
  readonly pod: string;
  readonly container?: string;
  readonly reason: string;
  readonly message: string;
  /** The pod will not get better by waiting (it needs a new spec or image). */
  readonly terminal: boolean;
  /** The container crashed before: its previous instance's log is worth reading. */
  readonly crashed: boolean;
}

/** Waiting reasons that only a new image or spec can cure. ErrImagePull is one only when the
 * registry gave a definite answer (see DEFINITE_PULL_ERROR): a connection that failed is retried
 * by the kubelet and may well succeed. */
const TERMINAL_WAITING = new Set([
  "ImagePullBackOff",
  "CrashLoopBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

/** The registry answered, and the answer was no: waiting for ImagePullBackOff changes nothing. */
const DEFINITE_PULL_ERROR = /manifest unknown|not found|unauthorized|denied|invalid reference format/i;

function isTerminal(reason: string, message: string): boolean {
  return TERMINAL_WAITING.has(reason) || (reason === "ErrImagePull" && DEFINITE_PULL_ERROR.test(message));
}

function containerProblem(pod: string, status: V1ContainerStatus): PodProblem | undefined {
  const waiting = status.state?.waiting;
  const lastExit = status.lastState?.terminated;
  const crashed = lastExit !== undefined && (lastExit.exitCode !== 0 || status.restartCount > 0);
  if (waiting?.reason !== undefined && waiting.reason !== "ContainerCreating" && waiting.reason !== "PodInitializing") {
    let message = waiting.message ?? "";
    if (lastExit !== undefined) {
      const exit = `last exit ${lastExit.exitCode}${lastExit.reason ? ` (${lastExit.reason})` : ""}, ${status.restartCount} restarts`;
      message = message === "" ? exit : `${exit}: ${message}`;
    }
    return { pod, container: status.name, reason: waiting.reason, message, terminal: isTerminal(waiting.reason, waiting.message ?? ""), crashed };
  }
  const exit = status.state?.terminated;
  if (exit !== undefined && exit.exitCode !== 0) {
    return { pod, container: status.name, reason: exit.reason ?? "Error", message: `exited ${exit.exitCode}`, terminal: false, crashed: true };
  }
  if (status.state?.running !== undefined && !status.ready && crashed) {
    return { pod, container: status.name, reason: "Restarted", message: `running again after exit ${lastExit?.exitCode}, ${status.restartCount} restarts`, terminal: false, crashed };
  }
  return undefined;
}

export function podProblems(pod: V1Pod): PodProblem[] {
  const name = pod.metadata?.name ?? "(unnamed pod)";
  const problems: PodProblem[] = [];
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False") {
    problems.push({ pod: name, reason: scheduled.reason ?? "Unschedulable", message: scheduled.message ?? "", terminal: false, crashed: false });
  }
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const problem = containerProblem(name, status);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

/** Newest warning events first, each message once. */
export function warningMessages(events: readonly CoreV1Event[], limit = 3): string[] {
  const when = (e: CoreV1Event) => new Date(String(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0)).getTime();
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of [...events].filter((e) => e.type === "Warning").sort((a, b) => when(b) - when(a))) {
    const line = `${e.reason ?? "Warning"}: ${(e.message ?? "").trim()}`;
    if (seen.has(line)) continue;
    seen.add(line);
    out.push(line);
    if (out.length === limit) break;
  }
  return out;
}

export interface PodReport {
  readonly problem: PodProblem;
  readonly events: readonly string[];
  readonly logTail: readonly string[];
}

export function formatProblem(report: PodReport): string {
  const p = report.problem;
  const where = p.container === undefined ? `pod ${p.pod}` : `pod ${p.pod} container ${p.container}`;
  const lines = [`${where}: ${p.reason}${p.message ? ` — ${p.message}` : ""}`];
  for (const e of report.events) lines.push(`  event ${e}`);
  if (report.logTail.length > 0) {
    lines.push("  last log lines:");
    for (const l of report.logTail) lines.push(`    | ${l}`);
  }
  return lines.join("\n");
}
