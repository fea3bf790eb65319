/**
 * The `job` smoke check: a Kubernetes Job from an image and command in the target namespace,
 * waited for; on failure its pod's reason and last log lines are the evidence.
 */
import type { ClusterTarget, WorkContext } from "../../capabilities/index.ts";
import type { JobSmokeCheck } from "../../scores/app-spec.ts";
import type { CheckResult, SmokeContext } from "../../scores/smoke.ts";
import { connectKube, kubeMessage, type Kube } from "../kube/client.ts";
import { podProblems } from "../kube/pod-diagnosis.ts";

const POLL_MS = 1000;
const LOG_LINES = 10;

function jobName(context: SmokeContext): string {
  const suffix = crypto.randomUUID().slice(0, 6);
  return `${context.app}-smoke-${suffix}`.slice(0, 63).replace(/-+$/, "");
}

async function lastLogs(kube: Kube, namespace: string, job: string): Promise<string> {
  const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` });
  const pod = pods.items[0];
  if (pod?.metadata?.name === undefined) return "no pod was created";
  const problems = podProblems(pod).map((p) => `${p.container ?? p.pod}: ${p.reason}${p.message ? ` (${p.message})` : ""}`);
  let logs = "";
  try {
    logs = await kube.core.readNamespacedPodLog({ name: pod.metadata.name, namespace, tailLines: LOG_LINES });
  } catch {
    logs = "(no logs)";
  }
  return [...problems, logs.trim().split("\n").map((l) => `| ${l}`).join(" ")].filter(Boolean).join("; ");
}

export async function runJobCheck(check: JobSmokeCheck, context: SmokeContext, work: WorkContext, env: Readonly<Record<string, string | undefined>>): Promise<CheckResult> {
  const target: ClusterTarget = context.target;
  let kube: Kube;
  try {
    kube = await connectKube(target, env);
  } catch (error) {
    return { check: "job", status: "failed", evidence: `cannot reach the cluster: ${error instanceof Error ? error.message : String(error)}` };
  }
  const name = jobName(context);
  const namespace = target.namespace;
  try {
    await kube.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name, labels: { "app.kubernetes.io/managed-by": "harmony", "harmony/smoke-for": context.app } },
        spec: {
          backoffLimit: 0,
          ttlSecondsAfterFinished: 600,
          template: {
            spec: {
              restartPolicy: "Never",
              // Only the node's loopback carries traffic in the clusters harmony is tested on; a
              // smoke job reaches the app the way a user would, through the target's base URL.
              hostNetwork: true,
              containers: [{ name: "smoke", image: check.image, command: [...check.command], env: [{ name: "BASE_URL", value: target.baseUrl ?? "" }] }],
            },
          },
        },
      },
    });
  } catch (error) {
    return { check: "job", status: "failed", evidence: `cannot create Job ${name}: ${kubeMessage(error)}` };
  }
  const deadline = Date.now() + check.timeoutSeconds * 1000;
  try {
    while (!work.signal.aborted && Date.now() < deadline) {
      const job = await kube.batch.readNamespacedJob({ name, namespace });
      if ((job.status?.succeeded ?? 0) > 0) return { check: "job", status: "passed", evidence: `Job ${name} succeeded` };
      if ((job.status?.failed ?? 0) > 0) return { check: "job", status: "failed", evidence: `Job ${name} failed: ${await lastLogs(kube, namespace, name)}` };
      await Bun.sleep(POLL_MS);
    }
    return { check: "job", status: "failed", evidence: `Job ${name} did not finish in ${check.timeoutSeconds}s: ${await lastLogs(kube, namespace, name)}` };
  } finally {
    // Foreground deletion takes the pod with it; a smoke job leaves nothing behind.
    await kube.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: "Foreground" }).catch(() => undefined);
  }
}
