import { describe, expect, test } from "bun:test";
import type { ClusterTarget } from "../../../capabilities/index.ts";
import { applicationName, desiredApplication, ociSource, type Application } from "../../../topologies/adapters/continuous-delivery/argocd-application.ts";
import { judgeApplication, unhealthyResources } from "../../../topologies/adapters/continuous-delivery/argocd-health.ts";

const requestedAt = Date.parse("2026-01-01T10:00:00.400Z");
const want = { revision: "1.1.0", requestedAt };
const target: ClusterTarget = { kind: "cluster", name: "prod", namespace: "apps", releaseName: "web" };

function app(status: Application["status"], operation?: Application["operation"]): Application {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "web-prod", namespace: "argocd" },
    spec: { project: "default", source: { repoURL: "r", chart: "web", targetRevision: "1.1.0" }, destination: { namespace: "apps" } },
    ...(operation ? { operation } : {}),
    status,
  };
}

const synced = (over: Partial<NonNullable<Application["status"]>> = {}): Application["status"] => ({
  operationState: { operation: { sync: { revision: "1.1.0" } }, phase: "Succeeded", startedAt: "2026-01-01T10:00:00Z", finishedAt: "2026-01-01T10:00:05Z" },
  reconciledAt: "2026-01-01T10:00:05Z",
  sync: { status: "Synced", revision: "1.1.0" },
  health: { status: "Healthy" },
  ...over,
});

describe("judging an Application the way Kargo does", () => {
  test("Synced at our revision, Healthy, reconciled at or after the sync finished: done", () => {
    expect(judgeApplication(app(synced()), want)).toEqual({ state: "healthy", detail: "Synced at 1.1.0 and Healthy" });
  });

  test("health reconciled before the sync finished is not trusted", () => {
    const v = judgeApplication(app(synced({ reconciledAt: "2026-01-01T10:00:04Z" })), want);
    expect(v.state).toBe("waiting");
    expect(v.detail).toMatch(/health not trusted/);
    expect(judgeApplication(app(synced({ reconciledAt: undefined })), want).state).toBe("waiting");
  });

  test("a requested operation, or one for another revision or from before our request, is not ours yet", () => {
    expect(judgeApplication(app(synced(), { sync: { revision: "1.1.0" } }), want).detail).toBe("sync requested; Argo CD has not started it yet");
    const older = synced({ operationState: { operation: { sync: { revision: "1.1.0" } }, phase: "Succeeded", startedAt: "2026-01-01T09:59:59Z", finishedAt: "2026-01-01T10:00:00Z" } });
    expect(judgeApplication(app(older), want).detail).toBe("waiting for Argo CD to start syncing 1.1.0");
    // the same second as the request counts (Argo CD's timestamps are whole seconds)
    const sameSecond = synced({ operationState: { operation: { sync: { revision: "1.1.0" } }, phase: "Succeeded", startedAt: "2026-01-01T10:00:00Z", finishedAt: "2026-01-01T10:00:01Z" }, reconciledAt: "2026-01-01T10:00:01Z" });
    expect(judgeApplication(app(sameSecond), want).state).toBe("healthy");
  });

  test("Degraded fails fast; a failed sync fails; Progressing waits", () => {
    expect(judgeApplication(app(synced({ health: { status: "Degraded", message: "boom" } })), want)).toEqual({ state: "degraded", detail: "Degraded: boom" });
    expect(judgeApplication(app(synced({ health: { status: "Progressing" } })), want)).toEqual({ state: "waiting", detail: "health Progressing" });
    const failed = synced({ operationState: { operation: { sync: { revision: "1.1.0" } }, phase: "Failed", message: "one or more objects failed to apply", startedAt: "2026-01-01T10:00:01Z" } });
    expect(judgeApplication(app(failed), want)).toEqual({ state: "failed", detail: "sync failed: one or more objects failed to apply" });
  });

  test("ComparisonError/InvalidSpecError are configuration errors once reconciled after the request", () => {
    const conditions = [{ type: "InvalidSpecError", message: "application destination server 'x' is not permitted in project 'default'" }, { type: "SyncError", message: "ignored" }];
    expect(judgeApplication(app(synced({ conditions, reconciledAt: "2026-01-01T10:00:03Z" })), want)).toEqual({
      state: "config",
      detail: "InvalidSpecError: application destination server 'x' is not permitted in project 'default'",
    });
    // a condition from before the request may be about the previous spec: not ours to judge
    expect(judgeApplication(app(synced({ conditions, reconciledAt: "2026-01-01T09:59:00Z" })), want).state).not.toBe("config");
  });

  test("unhealthy resources are listed for the failure message", () => {
    const status = synced({ resources: [{ kind: "Deployment", name: "web", health: { status: "Degraded", message: "deadline exceeded" } }, { kind: "Service", name: "web", health: { status: "Healthy" } }] });
    expect(unhealthyResources(app(status))).toEqual(["deployment/web: Degraded — deadline exceeded"]);
  });
});

describe("the Application harmony writes", () => {
  test("an OCI chart location is split into Argo CD's repoURL and chart", () => {
    expect(ociSource("oci://registry.example:5000/team/charts/web")).toEqual({ repoURL: "registry.example:5000/team/charts", chart: "web" });
    expect(() => ociSource("/charts/web-1.0.0.tgz")).toThrow(/only deploy charts from a registry/);
  });

  test("an update keeps what Argo CD wrote (status, other metadata) and asks for a sync", () => {
    const existing = app(synced());
    existing.metadata.resourceVersion = "42";
    const source = { repoURL: "r", chart: "web", targetRevision: "1.2.0" };
    const next = desiredApplication(existing, target, { namespace: "argocd", project: "apps", destinationServer: "https://kubernetes.default.svc" }, source, "why");
    expect(next.metadata.resourceVersion).toBe("42");
    expect(next.status).toEqual(existing.status);
    expect(next.spec.project).toBe("apps");
    expect(next.operation?.sync).toEqual({ revision: "1.2.0", syncOptions: ["CreateNamespace=true"] });
    expect(applicationName(target)).toBe("web-prod");
  });
});
