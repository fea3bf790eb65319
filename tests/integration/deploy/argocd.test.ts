// The argocd adapter against a REAL Kubernetes API server with the Application CRD applied. Argo
// CD's controller is SIMULATED by the test (argo-controller.ts): it takes the sync operation,
// runs it and reconciles status the way Argo CD writes it, so each scenario can put the
// Application in exactly the state it needs — stale health, a Degraded regression, silence.
import { beforeAll, describe, expect, test } from "bun:test";
import { HarmonyError, type ClusterTarget, type DeployableChart } from "../../../capabilities/index.ts";
import { createArgoCdDelivery } from "../../../topologies/adapters/continuous-delivery/argocd.ts";
import { connectKube, type Kube } from "../../../topologies/kube/client.ts";
import { ensureNamespace } from "../../../topologies/adapters/continuous-delivery/cluster-target.ts";
import { world } from "../../world/index.ts";
import { argoTime, installApplicationCrd, SimulatedArgoCd } from "./argo-controller.ts";
import { recordingWork, SLOW } from "./setup.ts";

const ARGO_NS = "argocd";
const ready = () => world.available("kube");
const chart = (version: string): DeployableChart => ({
  name: "deploy-fixture",
  version,
  location: "oci://127.0.0.1:5000/charts/deploy-fixture", // Argo CD would pull it; the simulation does not
  digest: `sha256:${"1".repeat(64)}`,
});
const image = { repository: "127.0.0.1:5000/web", tag: "1", digest: `sha256:${"2".repeat(64)}` };

let kube: Kube;
let argo: SimulatedArgoCd;
let target: (releaseName: string) => ClusterTarget;

beforeAll(async () => {
  if (!ready()) return;
  const w = await world.kube();
  kube = await connectKube({ kubeconfig: w.kubeconfig, context: w.context }, {});
  await installApplicationCrd(w, kube);
  await ensureNamespace(kube, ARGO_NS);
  argo = new SimulatedArgoCd(kube, ARGO_NS);
  target = (releaseName) => ({ kind: "cluster", name: "staging", kubeconfig: w.kubeconfig, context: w.context, namespace: "apps", releaseName });
}, SLOW);

function adapter(timeoutSeconds = 300) {
  return createArgoCdDelivery({ adapter: "argocd", namespace: ARGO_NS, project: "default", timeoutSeconds }, { projectDir: process.cwd(), env: {} });
}

/** Resolves once the adapter has reported a line matching `pattern`; fails if `deploy` ends first. */
async function reported(lines: string[], pattern: RegExp, deploy: Promise<unknown>): Promise<string> {
  const flag = settledFlag(deploy);
  for (;;) {
    const line = lines.find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (flag.settled) throw new Error(`the deploy ended before reporting ${pattern}:\n${lines.join("\n")}`);
    await Bun.sleep(50);
  }
}

function settledFlag(p: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  p.then(() => (flag.settled = true), () => (flag.settled = true));
  return flag;
}

/** Plays the controller's part, but stops waiting as soon as the deploy itself fails. */
async function drive(deploy: Promise<unknown>, steps: () => Promise<void>): Promise<void> {
  const failed = deploy.then(() => new Promise<never>(() => {}), (e: unknown) => Promise.reject(e));
  await Promise.race([steps(), failed]);
}

describe("argocd (real API server, simulated Argo CD controller)", () => {
  test.skipIf(!ready())(
    "sync success writes the Application for the OCI chart; rollback re-points targetRevision to the previous version",
    async () => {
      const cd = adapter();
      const work = recordingWork();
      const t = target("web");
      const deploy = (version: string) => cd.deploy({ app: "web", version, target: t, chart: chart(version), values: { image, message: version } }, work);

      const first = deploy("1.0.0");
      await drive(first, () => argo.syncHealthy("web-staging"));
      expect(await first).toEqual({ revision: 1, chartVersion: "1.0.0", status: "deployed" });
      const app = (await argo.get("web-staging"))!;
      expect(app.spec).toEqual({
        project: "default",
        source: { repoURL: "127.0.0.1:5000/charts", chart: "deploy-fixture", targetRevision: "1.0.0", helm: { releaseName: "web", valuesObject: { image, message: "1.0.0" } } },
        destination: { server: "https://kubernetes.default.svc", namespace: "apps" },
        syncPolicy: { syncOptions: ["CreateNamespace=true"] },
      });
      expect(app.status?.operationState?.operation).toEqual({
        initiatedBy: { username: "harmony" },
        info: [{ name: "Reason", value: "harmony deploy web 1.0.0" }],
        sync: { revision: "1.0.0", syncOptions: ["CreateNamespace=true"] },
      });

      const second = deploy("1.1.0");
      await drive(second, () => argo.syncHealthy("web-staging"));
      expect(await second).toEqual({ revision: 2, chartVersion: "1.1.0", status: "deployed" });
      expect(await cd.current(t, work)).toEqual({ revision: 2, chartVersion: "1.1.0", status: "deployed" });

      const back = cd.rollback(t, work);
      await drive(back, () => argo.syncHealthy("web-staging"));
      expect(await back).toEqual({ revision: 3, chartVersion: "1.0.0", status: "deployed" });
      const after = (await argo.get("web-staging"))!;
      expect(after.spec.source.targetRevision).toBe("1.0.0");
      expect(after.spec.source.helm?.valuesObject).toEqual({ image, message: "1.0.0" }); // that version's values too
      expect(work.lines).toContain("info: Argo CD: re-pointing web-staging from 1.1.0 to 1.0.0");
    },
    SLOW,
  );

  test.skipIf(!ready())(
    "a health regression to Degraded fails at once, naming the unhealthy resources",
    async () => {
      const work = recordingWork();
      const p = adapter().deploy({ app: "api", version: "2.0.0", target: target("api"), chart: chart("2.0.0"), values: {} }, work);
      const outcome = p.then(() => undefined, (e: unknown) => e);
      await drive(p, async () => {
        await argo.startSync("api-staging");
        await argo.finishSync("api-staging");
        await argo.reconcile("api-staging", { status: "Progressing", message: "Waiting for rollout to finish" });
      });
      await reported(work.lines, /health Progressing: Waiting for rollout to finish/, p);
      await argo.reconcile("api-staging", { status: "Degraded", message: "Deployment \"api\" exceeded its progress deadline" }, {
        resources: [{ kind: "Deployment", name: "api", namespace: "apps", health: { status: "Degraded", message: "Deployment \"api\" exceeded its progress deadline" } }],
      });
      const error = (await outcome) as HarmonyError;
      expect(error).toBeInstanceOf(HarmonyError);
      expect(error.kind).toBe("failed");
      expect(error.message).toBe(
        'Argo CD Application argocd/api-staging is Degraded: Deployment "api" exceeded its progress deadline after syncing 2.0.0\n' +
          '  deployment/api: Degraded — Deployment "api" exceeded its progress deadline',
      );
    },
    SLOW,
  );

  test.skipIf(!ready())(
    "health from before the sync is not trusted until Argo CD reconciles after it finished",
    async () => {
      const work = recordingWork();
      const t = target("stale");
      const cd = adapter();
      const first = cd.deploy({ app: "stale", version: "1.0.0", target: t, chart: chart("1.0.0"), values: {} }, work);
      await drive(first, () => argo.syncHealthy("stale-staging"));
      await first;

      const p = cd.deploy({ app: "stale", version: "1.1.0", target: t, chart: chart("1.1.0"), values: {} }, work);
      const flag = settledFlag(p);
      await drive(p, async () => {
        await argo.startSync("stale-staging");
        const finishedAt = await argo.finishSync("stale-staging");
        // Synced and Healthy at 1.1.0 — but reconciled a minute before the sync finished.
        await argo.reconcile("stale-staging", { status: "Healthy" }, { reconciledAt: argoTime(Date.parse(finishedAt) - 60_000) });
      });
      await reported(work.lines, /health not trusted until Argo CD reconciles after it/, p);
      expect(flag.settled).toBe(false);
      await argo.reconcile("stale-staging", { status: "Healthy" });
      expect(await p).toEqual({ revision: 2, chartVersion: "1.1.0", status: "deployed" });
    },
    SLOW,
  );

  test.skipIf(!ready())(
    "a sync Argo CD never starts times out with what was last seen",
    async () => {
      const work = recordingWork();
      const error = await adapter(1)
        .deploy({ app: "idle", version: "1.0.0", target: target("idle"), chart: chart("1.0.0"), values: {} }, work)
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(HarmonyError);
      expect((error as HarmonyError).message).toBe(
        "Argo CD Application argocd/idle-staging did not become Synced and Healthy at 1.0.0 within 1s; last seen: sync requested; Argo CD has not started it yet",
      );
    },
    SLOW,
  );

  test.skipIf(!ready())(
    "a ComparisonError condition from a reconciliation after the request is a configuration error",
    async () => {
      const work = recordingWork();
      const p = adapter().deploy({ app: "wrong", version: "9.9.9", target: target("wrong"), chart: chart("9.9.9"), values: {} }, work);
      const outcome = p.then(() => undefined, (e: unknown) => e);
      await reported(work.lines, /sync requested; Argo CD has not started it yet/, p);
      await argo.update("wrong-staging", (app) => {
        app.status = {
          ...app.status,
          reconciledAt: argoTime(),
          conditions: [{ type: "ComparisonError", message: "Failed to load target state: chart deploy-fixture version 9.9.9 not found" }],
        };
      });
      const error = (await outcome) as HarmonyError;
      expect(error).toBeInstanceOf(HarmonyError);
      expect(error.kind).toBe("config");
      expect(error.message).toBe("Argo CD Application argocd/wrong-staging cannot sync 9.9.9: ComparisonError: Failed to load target state: chart deploy-fixture version 9.9.9 not found");
    },
    SLOW,
  );
});
