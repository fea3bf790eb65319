/** The job and helm-test smoke checks against the real cluster (kubelet running the pods) and helm. */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { recordingReporter, type ClusterTarget, type WorkContext } from "../../../capabilities/index.ts";
import { runHelmTestCheck } from "../../../topologies/smoke/helm-test-check.ts";
import { runJobCheck } from "../../../topologies/smoke/job-check.ts";
import { ROOT } from "../../e2e/binary.ts";
import { runOk, world, type HelmPart, type KubePart } from "../../world/index.ts";

const ready = ["docker", "registry", "kube", "helm"].every((p) => world.available(p as "docker"));
const work = (): WorkContext => ({ reporter: recordingReporter(), signal: new AbortController().signal });
let kube: KubePart;
let helm: HelmPart;
let image: string;
let target: ClusterTarget;

beforeAll(async () => {
  if (!ready) return;
  [kube, helm] = await Promise.all([world.kube(), world.helm(3)]);
  image = await world.baseImage(await world.registry());
  const namespace = `smoke-${crypto.randomUUID().slice(0, 6)}`;
  await runOk([kube.kubectl, "--kubeconfig", kube.kubeconfig, "create", "namespace", namespace]);
  target = { kind: "cluster", name: "staging", namespace, releaseName: "smoke-chart", kubeconfig: kube.kubeconfig, context: kube.context };
}, 300_000);

describe.skipIf(!ready)("job smoke check", () => {
  const context = () => ({ app: "smoke-app", version: "1.0.0", target });

  test("a Job that exits 0 passes, and is deleted afterwards", async () => {
    const result = await runJobCheck({ type: "job", image, command: ["sh", "-c", "echo all good"], timeoutSeconds: 90, targets: [] }, context(), work(), {});
    expect(result).toMatchObject({ check: "job", status: "passed" });
    // Deletion is asynchronous (foreground: the pod goes first); it must complete on its own.
    let left = "unchecked";
    for (let i = 0; i < 60 && left !== ""; i++) {
      left = (await runOk([kube.kubectl, "--kubeconfig", kube.kubeconfig, "get", "jobs", "-n", target.namespace, "-o", "name"])).stdout.trim();
      if (left !== "") await Bun.sleep(500);
    }
    expect(left).toBe("");
  }, 120_000);

  test("a failing Job fails with its last log lines as evidence", async () => {
    const result = await runJobCheck({ type: "job", image, command: ["sh", "-c", "echo database unreachable; exit 3"], timeoutSeconds: 90, targets: [] }, context(), work(), {});
    expect(result.status).toBe("failed");
    expect(result.evidence).toContain("database unreachable");
  }, 120_000);
});

describe.skipIf(!ready)("helm-test smoke check", () => {
  const chart = join(ROOT, "fixtures/smoke/chart");
  const install = (exitCode: number) =>
    runOk([helm.helm, "upgrade", "--install", "smoke-chart", chart, "--namespace", target.namespace, "--kubeconfig", kube.kubeconfig, "--set", `image=${image}`, "--set", `exitCode=${exitCode}`], { env: helm.env });
  const env = () => ({ ...helm.env, HARMONY_HELM: helm.helm, PATH: process.env.PATH });

  test("passes when the chart's test hook succeeds", async () => {
    await install(0);
    const result = await runHelmTestCheck({ type: "helm-test", timeoutSeconds: 90, targets: [] }, { app: "smoke-app", version: "1.0.0", target }, work(), env());
    expect(result).toMatchObject({ check: "helm-test", status: "passed" });
    expect(result.evidence).toContain("1 test hook(s) succeeded");
  }, 180_000);

  test("fails with helm's reason when the hook fails", async () => {
    await install(4);
    const result = await runHelmTestCheck({ type: "helm-test", timeoutSeconds: 90, targets: [] }, { app: "smoke-app", version: "1.0.0", target }, work(), env());
    expect(result.status).toBe("failed");
    expect(result.evidence).toContain("smoke-chart");
  }, 180_000);
});
