import { describe, expect, test } from "bun:test";
import type { CoreV1Event, V1Deployment, V1Job, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import { formatProblem, podProblems, warningMessages } from "../../../topologies/kube/pod-diagnosis.ts";
import { deploymentVerdict, jobVerdict, statefulSetVerdict, workloadsIn } from "../../../topologies/kube/rollout-status.ts";
import { leaseName } from "../../../topologies/kube/lease.ts";

const deployment = (status: V1Deployment["status"], generation = 2, replicas = 2): V1Deployment => ({
  metadata: { name: "web", generation },
  spec: { replicas, selector: {}, template: {} },
  status,
});

describe("rollout verdicts (kubectl rollout status rules)", () => {
  test("a Deployment is ready when every replica is updated and available and no old one is left", () => {
    expect(deploymentVerdict(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).state).toBe("ready");
    expect(deploymentVerdict(deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).detail).toMatch(/controller/);
    expect(deploymentVerdict(deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).detail).toBe("1 old pods still terminating");
    expect(deploymentVerdict(deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).detail).toBe("1 of 2 updated pods available");
  });

  test("a Deployment past its progress deadline has failed", () => {
    const v = deploymentVerdict(deployment({
      observedGeneration: 2,
      conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: 'ReplicaSet "web-1" has timed out progressing.' }],
    }));
    expect(v).toEqual({ state: "failed", detail: 'progress deadline exceeded: ReplicaSet "web-1" has timed out progressing.' });
  });

  test("a StatefulSet waits for ready replicas at the update revision", () => {
    const st = (status: V1StatefulSet["status"]): V1StatefulSet => ({ metadata: { generation: 1 }, spec: { replicas: 1, selector: {}, serviceName: "s", template: {} }, status });
    expect(statefulSetVerdict(st({ replicas: 1, observedGeneration: 1, readyReplicas: 1, currentRevision: "a", updateRevision: "b" })).state).toBe("progressing");
    expect(statefulSetVerdict(st({ replicas: 1, observedGeneration: 1, readyReplicas: 1, currentRevision: "b", updateRevision: "b" })).state).toBe("ready");
  });

  test("a Job is ready when Complete and failed when Failed", () => {
    const job = (type: string): V1Job => ({ status: { conditions: [{ type, status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } });
    expect(jobVerdict(job("Complete")).state).toBe("ready");
    expect(jobVerdict(job("Failed"))).toEqual({ state: "failed", detail: "job failed: BackoffLimitExceeded Job has reached the specified backoff limit" });
  });

  test("the workloads a release owns come from its rendered manifest", () => {
    const manifest = [
      "---\n# Source: c/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web",
      "---\n# Source: c/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web",
      "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: other",
    ].join("\n");
    expect(workloadsIn(manifest, "apps")).toEqual([
      { kind: "Deployment", name: "web", namespace: "apps" },
      { kind: "Job", name: "migrate", namespace: "other" },
    ]);
  });
});

const pod = (status: V1Pod["status"]): V1Pod => ({ metadata: { name: "web-abc" }, status });

describe("why a pod is not ready", () => {
  test("ImagePullBackOff is terminal; ErrImagePull only when the registry said no (a failed connection is retried)", () => {
    const waiting = (reason: string) => pod({ containerStatuses: [{ name: "web", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, message: 'Back-off pulling image "x"' } } }] });
    expect(podProblems(waiting("ImagePullBackOff"))).toEqual([
      { pod: "web-abc", container: "web", reason: "ImagePullBackOff", message: 'Back-off pulling image "x"', terminal: true, crashed: false },
    ]);
    expect(podProblems(waiting("ErrImagePull"))[0]?.terminal).toBe(false);
    const refused = pod({ containerStatuses: [{ name: "web", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ErrImagePull", message: "dial tcp 127.0.0.1:5000: connect: connection refused" } } }] });
    expect(podProblems(refused)[0]?.terminal).toBe(false);
    const unknown = pod({ containerStatuses: [{ name: "web", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ErrImagePull", message: "manifest for x@sha256:00 not found: manifest unknown" } } }] });
    expect(podProblems(unknown)[0]?.terminal).toBe(true);
    expect(podProblems(waiting("ContainerCreating"))).toEqual([]);
  });

  test("CrashLoopBackOff names the last exit and asks for the previous instance's log", () => {
    const [p] = podProblems(pod({
      containerStatuses: [{
        name: "web", image: "x", imageID: "", ready: false, restartCount: 3,
        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" } },
        lastState: { terminated: { exitCode: 3, reason: "Error" } },
      }],
    }));
    expect(p).toEqual({ pod: "web-abc", container: "web", reason: "CrashLoopBackOff", message: "last exit 3 (Error), 3 restarts: back-off 40s restarting failed container", terminal: true, crashed: true });
    expect(formatProblem({ problem: p!, events: ["BackOff: Back-off restarting failed container"], logTail: ["starting", "fatal: no config"] })).toBe([
      "pod web-abc container web: CrashLoopBackOff — last exit 3 (Error), 3 restarts: back-off 40s restarting failed container",
      "  event BackOff: Back-off restarting failed container",
      "  last log lines:",
      "    | starting",
      "    | fatal: no config",
    ].join("\n"));
  });

  test("an unschedulable pod says what the scheduler said", () => {
    const problems = podProblems(pod({ conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient cpu." }] }));
    expect(problems).toEqual([{ pod: "web-abc", reason: "Unschedulable", message: "0/1 nodes are available: 1 Insufficient cpu.", terminal: false, crashed: false }]);
  });

  test("warning events: newest first, each message once", () => {
    const ev = (reason: string, message: string, at: string, type = "Warning"): CoreV1Event => ({ involvedObject: {}, metadata: {}, reason, message, type, lastTimestamp: new Date(at) });
    expect(warningMessages([
      ev("Failed", "Error: ErrImagePull", "2026-01-01T00:00:01Z"),
      ev("Pulling", "Pulling image", "2026-01-01T00:00:02Z", "Normal"),
      ev("Failed", "Error: ImagePullBackOff", "2026-01-01T00:00:03Z"),
      ev("Failed", "Error: ErrImagePull", "2026-01-01T00:00:04Z"),
    ])).toEqual(["Failed: Error: ErrImagePull", "Failed: Error: ImagePullBackOff"]);
  });
});

test("lease names are DNS subdomains per release and target", () => {
  expect(leaseName("Fleet_Operator", "staging")).toBe("harmony-deploy.fleet-operator.staging");
});
