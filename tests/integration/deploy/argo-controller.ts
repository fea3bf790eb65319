// Argo CD's application controller, played by the test: it takes the sync `operation` harmony
// writes, runs it (Running → Succeeded/Failed with startedAt/finishedAt), records history, and
// reconciles (sync status, health, reconciledAt) — each step a whole-object update of the
// Application, the way Argo CD writes it. The API server storing all this is the real one.
import { join } from "node:path";
import type { ApiextensionsV1Api } from "@kubernetes/client-node";
import type { Kube } from "../../../topologies/kube/client.ts";
import { isConflict, isNotFound } from "../../../topologies/kube/client.ts";
import { runOk, type KubePart } from "../../world/index.ts";
import type { Application } from "../../../topologies/adapters/continuous-delivery/argocd-application.ts";

const CRD = join(import.meta.dir, "../../../fixtures/deploy/argocd-application-crd.yaml");

/** Argo CD writes timestamps in whole seconds. */
export const argoTime = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/**
 * Applies the Application CRD with kubectl and waits until it is served. (Not through the typed
 * client: its model spells `x-kubernetes-preserve-unknown-fields` differently and drops it.)
 */
export async function installApplicationCrd(world: KubePart, kube: Kube): Promise<void> {
  await runOk([world.kubectl, "apply", "-f", CRD], { env: world.env });
  const api = kube.api(kube.k8s.ApiextensionsV1Api) as ApiextensionsV1Api;
  for (;;) {
    const crd = await api.readCustomResourceDefinition({ name: "applications.argoproj.io" });
    if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    await Bun.sleep(100);
  }
}

export class SimulatedArgoCd {
  constructor(private readonly kube: Kube, readonly namespace: string) {}

  private ref(name: string) {
    return { group: "argoproj.io", version: "v1alpha1", namespace: this.namespace, plural: "applications", name };
  }

  async get(name: string): Promise<Application | undefined> {
    try {
      return (await this.kube.custom.getNamespacedCustomObject(this.ref(name))) as Application;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Read-modify-write of the whole object, retried on conflict, as a controller does. */
  async update(name: string, change: (app: Application) => void): Promise<Application> {
    for (;;) {
      const app = await this.get(name);
      if (app === undefined) throw new Error(`no Application ${name}`);
      change(app);
      try {
        return (await this.kube.custom.replaceNamespacedCustomObject({ ...this.ref(name), body: app })) as Application;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  /** Waits for a requested sync and starts it: operation → status.operationState (Running). */
  async startSync(name: string): Promise<string> {
    for (;;) {
      const app = await this.get(name);
      if (app?.operation !== undefined) break;
      await Bun.sleep(50);
    }
    let revision = "";
    await this.update(name, (app) => {
      revision = app.operation?.sync?.revision ?? "";
      app.status = { ...app.status, operationState: { operation: app.operation, phase: "Running", message: "one or more tasks are running", startedAt: argoTime() } };
      delete app.operation;
    });
    return revision;
  }

  /** Ends the running operation; a successful sync is recorded in status.history. */
  async finishSync(name: string, phase: "Succeeded" | "Failed" = "Succeeded", message = "successfully synced (all tasks run)"): Promise<string> {
    const finishedAt = argoTime();
    await this.update(name, (app) => {
      const op = app.status!.operationState!;
      const revision = op.operation?.sync?.revision ?? app.spec.source.targetRevision;
      app.status!.operationState = { ...op, phase, message, finishedAt, syncResult: { revision } };
      if (phase === "Succeeded") {
        const history = app.status!.history ?? [];
        history.push({ id: (history.at(-1)?.id ?? 0) + 1, revision, deployedAt: finishedAt, source: app.spec.source });
        app.status!.history = history;
      }
    });
    return finishedAt;
  }

  /** A reconciliation: comparison result, health, resources and the time it ran. */
  async reconcile(name: string, health: { status: string; message?: string }, options: { reconciledAt?: string; resources?: NonNullable<Application["status"]>["resources"] } = {}): Promise<void> {
    await this.update(name, (app) => {
      app.status = {
        ...app.status,
        sync: { status: "Synced", revision: app.spec.source.targetRevision },
        health,
        reconciledAt: options.reconciledAt ?? argoTime(),
        ...(options.resources ? { resources: options.resources } : {}),
      };
    });
  }

  /** A full, healthy sync of whatever was requested. */
  async syncHealthy(name: string): Promise<void> {
    await this.startSync(name);
    await this.finishSync(name);
    await this.reconcile(name, { status: "Healthy" });
  }
}
