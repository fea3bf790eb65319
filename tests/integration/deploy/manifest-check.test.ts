// The helm adapter's check before a deploy, against the real cluster and helm: a render that only
// works inside `helm upgrade` (it uses `lookup`) is not a new way to fail — helm validates then,
// as it always did — and a release that was checked tells helm to skip its own OpenAPI pass.
import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClusterTarget, DeployableChart } from "../../../capabilities/index.ts";
import { createHelmDelivery } from "../../../topologies/adapters/continuous-delivery/helm.ts";
import { connectKube } from "../../../topologies/kube/client.ts";
import { runOk, world, type HelmPart, type RegistryPart } from "../../world/index.ts";
import { CHART_DIR, helmEnv, imageValues, publishedChart, recordingWork, SLOW } from "./setup.ts";

const ready = () => (["docker", "registry", "kube", "helm"] as const).every((p) => world.available(p));

/** The fixture chart plus a ConfigMap that reads the namespace's uid with `lookup`, pushed as `lookup-fixture`. */
async function lookupChart(helm: HelmPart, registry: RegistryPart): Promise<DeployableChart> {
  const dir = mkdtempSync(join(tmpdir(), "lookup-chart-"));
  cpSync(CHART_DIR, join(dir, "chart"), { recursive: true });
  const chartYaml = join(dir, "chart", "Chart.yaml");
  writeFileSync(chartYaml, (await Bun.file(chartYaml).text()).replace(/^name: .*$/m, "name: lookup-fixture"));
  writeFileSync(
    join(dir, "chart", "templates", "lookup.yaml"),
    [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: {{ .Release.Name }}-namespace",
      "data:",
      '  uid: {{ (lookup "v1" "Namespace" "" .Release.Namespace).metadata.uid | quote }}',
      "",
    ].join("\n"),
  );
  await runOk([helm.helm, "package", join(dir, "chart"), "--version", "5.0.0", "-d", dir], { env: helm.env });
  const out = await runOk([helm.helm, "push", join(dir, "lookup-fixture-5.0.0.tgz"), `oci://${registry.host}/charts`, "--plain-http"], { env: helm.env });
  const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(out.stdout + out.stderr)![1]!;
  return { name: "lookup-fixture", version: "5.0.0", location: `oci://${registry.host}/charts/lookup-fixture`, digest, access: { plainHttp: true } };
}

/** A helm 3 adapter, a target `name` in `namespace` on the world's cluster, and a recording work context. */
async function scenario(name: string, namespace: string) {
  const helm = await world.helm(3);
  const registry = await world.registry();
  const kube = await world.kube();
  const target: ClusterTarget = { kind: "cluster", name, kubeconfig: kube.kubeconfig, context: kube.context, namespace, releaseName: "web" };
  const cd = createHelmDelivery({ adapter: "helm", helmVersion: 3, timeoutSeconds: 120 }, helmEnv(helm));
  return { helm, registry, kube, target, cd, work: recordingWork(), image: await imageValues(registry) };
}

describe("the check before a helm deploy (real cluster, helm 3)", () => {
  test.skipIf(!ready())(
    "a render that needs lookup fails outside the cluster: the deploy goes on and helm validates, as it always did",
    async () => {
      const { helm, registry, kube, target, cd, work, image } = await scenario("staging", "deploy-lookup");
      const request = { app: "web", version: "5.0.0", target, chart: await lookupChart(helm, registry), values: { image, port: world.freePort() } };
      expect(await cd.check!([request], work)).toEqual([]);
      expect(work.lines.some((l) => /helm template for staging failed \(.*nil pointer.*\): helm validates instead/.test(l))).toBe(true);
      expect(await cd.deploy(request, work)).toEqual({ revision: 1, chartVersion: "5.0.0", status: "deployed" });
      const client = await connectKube({ kubeconfig: kube.kubeconfig, context: kube.context }, {});
      const namespace = await client.core.readNamespace({ name: "deploy-lookup" });
      const map = await client.core.readNamespacedConfigMap({ name: "web-namespace", namespace: "deploy-lookup" });
      expect(map.data?.uid).toBe(namespace.metadata!.uid!);
    },
    SLOW,
  );

  test.skipIf(!ready())(
    "a chart the cluster would refuse is reported per target with its template and path, and nothing is written",
    async () => {
      const { helm, registry, target, cd, work, image } = await scenario("production", "deploy-refused");
      // A map where the schema wants a list: the render succeeds, the cluster would refuse it.
      const request = { app: "web", version: "1.0.0", target, chart: await publishedChart(helm, registry, "1.0.0"), values: { image, port: world.freePort(), command: { not: "a list" } } };
      const problems = await cd.check!([request], work);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0]).toMatch(/^production: deploy-fixture\/templates\/deployment\.yaml: Deployment web: spec\.template\.spec\.containers\[0\]\..*invalid type/);
      const refused = await cd.deploy(request, work).then(() => undefined, (e: unknown) => e as Error);
      expect(refused?.message).toContain("the production cluster would refuse the chart's manifests");
      expect(await cd.current(target, work)).toBeUndefined();
      expect(await cd.rollback(target, work)).toBeUndefined();
    },
    SLOW,
  );
});
