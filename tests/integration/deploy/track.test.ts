// Rollout tracking on the real cluster (kubelet running pods through the world's dockerd), for
// the workload kinds a release owns besides the Deployments the helm tests roll out: a Job that
// fails (with its log), a pod the scheduler cannot place, and a StatefulSet that becomes ready.
import { beforeAll, expect, test } from "bun:test";
import type { WorkloadRef } from "../../../topologies/kube/rollout-status.ts";
import { connectKube, type Kube } from "../../../topologies/kube/client.ts";
import { trackRollout } from "../../../topologies/kube/track.ts";
import { ensureNamespace } from "../../../topologies/adapters/continuous-delivery/cluster-target.ts";
import { world } from "../../world/index.ts";
import { imageValues, recordingWork, SLOW } from "./setup.ts";

const NS = "deploy-track";
const ready = () => (["docker", "registry", "kube"] as const).every((p) => world.available(p));
let kube: Kube;
let image: string;

beforeAll(async () => {
  if (!ready()) return;
  const w = await world.kube();
  kube = await connectKube({ kubeconfig: w.kubeconfig, context: w.context }, {});
  await ensureNamespace(kube, NS);
  const i = await imageValues(await world.registry());
  image = `${i.repository}@${i.digest}`;
}, SLOW);

const track = (workloads: WorkloadRef[], options: { unschedulableSeconds?: number } = {}) =>
  trackRollout(kube, { workloads: async () => workloads, timeoutSeconds: 180, ...options }, recordingWork());

test.skipIf(!ready())(
  "a Job that fails is reported with its condition and the pod's last log lines",
  async () => {
    await kube.batch.createNamespacedJob({
      namespace: NS,
      body: {
        metadata: { name: "migrate" },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              hostNetwork: true,
              containers: [{ name: "migrate", image, command: ["sh", "-c", "echo migrating users; echo 'error: relation users already exists' >&2; exit 2"] }],
            },
          },
        },
      },
    });
    const result = await track([{ kind: "Job", name: "migrate", namespace: NS }]);
    expect(result.status).toBe("failed");
    const reason = result.status === "ready" ? "" : result.reason;
    expect(reason).toContain("job/migrate in deploy-track: job failed: BackoffLimitExceeded Job has reached the specified backoff limit");
    expect(reason).toMatch(/pod migrate-\w+ container migrate: Error — exited 2/);
    expect(reason).toContain("    | migrating users");
    expect(reason).toContain("    | error: relation users already exists");
  },
  SLOW,
);

test.skipIf(!ready())(
  "a pod no node can take is reported with the scheduler's reason once it stays unschedulable",
  async () => {
    await kube.apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: "nowhere" },
        spec: {
          selector: { matchLabels: { app: "nowhere" } },
          template: {
            metadata: { labels: { app: "nowhere" } },
            spec: { nodeSelector: { "harmony.test/pool": "gpu" }, containers: [{ name: "web", image }] },
          },
        },
      },
    });
    const result = await track([{ kind: "Deployment", name: "nowhere", namespace: NS }], { unschedulableSeconds: 1 });
    expect(result.status).toBe("failed");
    const reason = result.status === "ready" ? "" : result.reason;
    expect(reason).toMatch(/^deployment\/nowhere in deploy-track: 0 of 1 updated pods available\n  pod nowhere-\S+: Unschedulable — 0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\.\n    event FailedScheduling: 0\/1 nodes are available/);
  },
  SLOW,
);

test.skipIf(!ready())(
  "a StatefulSet is followed until its pods are ready at the new revision",
  async () => {
    const port = world.freePort();
    await kube.apps.createNamespacedStatefulSet({
      namespace: NS,
      body: {
        metadata: { name: "store" },
        spec: {
          serviceName: "store",
          selector: { matchLabels: { app: "store" } },
          template: {
            metadata: { labels: { app: "store" } },
            spec: {
              hostNetwork: true,
              terminationGracePeriodSeconds: 1,
              containers: [{
                name: "store",
                image,
                command: ["sh", "-c", `mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 127.0.0.1:${port} -h /www`],
                readinessProbe: { httpGet: { host: "127.0.0.1", port, path: "/" }, periodSeconds: 1 },
              }],
            },
          },
        },
      },
    });
    expect(await track([{ kind: "StatefulSet", name: "store", namespace: NS }])).toEqual({ status: "ready", summary: "statefulset/store: 1 of 1 pods ready" });
  },
  SLOW,
);
