// The deploy lock (a coordination.k8s.io/v1 Lease per release and target) on the real API server:
// two pipelines deploying one app to one target run one after the other, a holder that does not
// let go makes the other fail naming it, and a holder that died is taken over.
import { expect, test } from "bun:test";
import { HarmonyError, type ClusterTarget, type WorkContext } from "../../../capabilities/index.ts";
import { ensureNamespace } from "../../../topologies/adapters/continuous-delivery/cluster-target.ts";
import { createHelmDelivery } from "../../../topologies/adapters/continuous-delivery/helm.ts";
import { connectKube } from "../../../topologies/kube/client.ts";
import { readReleases } from "../../../topologies/kube/helm-release.ts";
import { acquireLease, leaseName } from "../../../topologies/kube/lease.ts";
import { world } from "../../world/index.ts";
import { helmEnv, imageValues, publishedChart, recordingWork, SLOW } from "./setup.ts";

const ready = () => (["docker", "registry", "kube", "helm"] as const).every((p) => world.available(p));

/** Work whose reporter appends `name: line` to one shared, ordered timeline. */
function timelineWork(name: string, timeline: string[]): WorkContext {
  const push = (level: string) => (m: string) => void timeline.push(`${name} ${level}: ${m}`);
  return { reporter: { info: push("info"), warn: push("warn"), debug: () => {} }, signal: new AbortController().signal };
}

async function setting(namespace: string) {
  const w = await world.kube();
  const helm = await world.helm(3);
  const registry = await world.registry();
  const target: ClusterTarget = { kind: "cluster", name: "staging", kubeconfig: w.kubeconfig, context: w.context, namespace, releaseName: "web" };
  const kube = await connectKube({ kubeconfig: w.kubeconfig, context: w.context }, {});
  const image = await imageValues(registry);
  const request = async (version: string) => ({ app: "web", version, target, chart: await publishedChart(helm, registry, version), values: { image, port: world.freePort() } });
  const adapter = (runId: string, lockWaitSeconds = 300) =>
    createHelmDelivery({ adapter: "helm", helmVersion: 3, timeoutSeconds: 120, lockWaitSeconds }, helmEnv(helm, { HARMONY_RUN_ID: runId }));
  return { target, kube, request, adapter };
}

test.skipIf(!ready())(
  "two concurrent deploys of one app to one target are serialized by the Lease",
  async () => {
    const { target, kube, request, adapter } = await setting("deploy-lease");
    const timeline: string[] = [];
    const [a, b] = await Promise.all([
      adapter("run-a").deploy(await request("1.0.0"), timelineWork("A", timeline)),
      adapter("run-b").deploy(await request("1.1.0"), timelineWork("B", timeline)),
    ]);
    expect([a.revision, b.revision].sort()).toEqual([1, 2]);
    // One ran from start to ready before the other started; the other waited, and said for whom.
    const first = a.revision === 1 ? "A" : "B";
    const second = first === "A" ? "B" : "A";
    const runOf = { A: "run-a", B: "run-b" };
    const at = (who: string, what: RegExp) => timeline.findIndex((l) => l.startsWith(`${who} info: `) && what.test(l));
    const starts = /helm v3\.\S+: upgrade --install web/;
    const isReady = /web revision \d ready/;
    expect(at(first, starts)).toBeGreaterThanOrEqual(0);
    expect(at(first, starts)).toBeLessThan(at(first, isReady));
    expect(at(first, isReady)).toBeLessThan(at(second, starts));
    expect(at(second, starts)).toBeLessThan(at(second, isReady));
    expect(at(second, /waiting for the deploy lock/)).toBeLessThan(at(second, starts));
    expect(timeline).toContainEqual(expect.stringMatching(new RegExp(`^${second} info: waiting for the deploy lock on web on staging, held by [^/]+/${process.pid}/${runOf[first]}$`)));
    expect((await readReleases(kube, target.namespace, "web")).map((r) => r.info.status)).toEqual(["superseded", "deployed"]);
    // Released after use: no Lease is left behind.
    const leases = await kube.coordination.listNamespacedLease({ namespace: target.namespace });
    expect(leases.items.map((l) => l.metadata?.name)).toEqual([]);
  },
  SLOW,
);

test.skipIf(!ready())(
  "a deploy that cannot get the lock within lockWaitSeconds fails naming the holder; a dead holder's lock is taken over",
  async () => {
    const { target, kube, request, adapter } = await setting("deploy-lease-held");
    const work = recordingWork();
    await ensureNamespace(kube, target.namespace);
    const held = await acquireLease(kube, {
      namespace: target.namespace, name: leaseName("web", "staging"), holder: "ci-runner-7/4242/run-z", what: "web on staging", waitSeconds: 1,
    }, work);
    const error = await adapter("run-c", 1).deploy(await request("1.0.0"), work).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(HarmonyError);
    expect((error as HarmonyError).kind).toBe("failed");
    expect((error as HarmonyError).message).toMatch(/^web on staging is being deployed by ci-runner-7\/4242\/run-z since \S+; gave up after waiting 1s$/);
    expect(await readReleases(kube, target.namespace, "web")).toEqual([]); // nothing was touched
    await held.release();

    // A holder that stopped renewing (killed runner): its Lease expires and the next deploy takes it.
    await kube.coordination.createNamespacedLease({
      namespace: target.namespace,
      body: { metadata: { name: leaseName("web", "staging") }, spec: { holderIdentity: "dead-runner/1/run-x", leaseDurationSeconds: 1, renewTime: new kube.k8s.V1MicroTime() } },
    });
    const state = await adapter("run-d", 30).deploy(await request("1.0.0"), work);
    expect(state.revision).toBe(1);
    expect(work.lines).toContain("warn: took over the deploy lock on web on staging: its holder dead-runner/1/run-x stopped renewing it");
  },
  SLOW,
);
