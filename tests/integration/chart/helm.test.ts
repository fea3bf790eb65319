// Our chart archives read by the real helm 3.17 and 4.1: `helm lint`, `helm template` (the pinned
// digest is in what it renders), `helm show chart`, and the same file list as `helm package`.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { recordingReporter } from "../../../capabilities/index.ts";
import { moduleChart, moduleInput } from "../../../scores/chart/module-chart.ts";
import { packageChart, packageChartDirectory, writeChartPackage, type PackagedChart } from "../../../scores/chart/package.ts";
import { webappChart } from "../../../scores/chart/webapp/webapp.ts";
import { runOk, world } from "../../world/index.ts";
import { IMAGE } from "../../unit/chart/read-archive.ts";
import { helm, helmPackageEntries, MAJORS, tarList } from "./helm-cli.ts";

const FIXTURES = resolve(import.meta.dir, "../../../fixtures/charts");
const VERSION = "1.4.0";
const PINNED_BY_DIGEST = `127.0.0.1:5000/demo/web@${IMAGE.ref.digest}`;
const out = mkdtempSync(join(tmpdir(), "harmony-chart-helm-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const work = { reporter: recordingReporter(), signal: new AbortController().signal };

interface K8sObject {
  apiVersion: string;
  kind: string;
  spec?: { template?: { spec?: { containers?: { image: string; ports?: { name: string; containerPort: number; protocol: string }[] }[] } } };
}

function objects(rendered: string): K8sObject[] {
  return parseAllDocuments(rendered)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const imagesOf = (rendered: string) => objects(rendered).flatMap((o) => o.spec?.template?.spec?.containers?.map((c) => c.image) ?? []);

async function archive(chart: PackagedChart): Promise<string> {
  return writeChartPackage(chart, mkdtempSync(join(out, "a-")));
}

/** lint passes with no [ERROR]/[WARNING] lines (INFO such as "icon is recommended" is fine). */
async function lints(major: 3 | 4, path: string): Promise<void> {
  const linted = await helm(major, ["lint", "--strict", path]);
  expect(linted.stdout).not.toMatch(/\[(ERROR|WARNING)\]/);
  expect(linted.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
}

for (const major of MAJORS) {
  describe(`helm ${major}`, () => {
    test.skipIf(!world.available("helm"))("directory chart: lints, renders the digest, shows our Chart.yaml, holds helm package's files", async () => {
      const chart = await packageChartDirectory(join(FIXTURES, "web"), { version: VERSION, image: IMAGE });
      const path = await archive(chart);
      await lints(major, path);

      const rendered = (await helm(major, ["template", "rel", path])).stdout;
      expect(imagesOf(rendered)).toEqual([PINNED_BY_DIGEST]);
      expect(rendered).toContain("name: rel-cache"); // the vendored subchart renders too

      const shown = (await helm(major, ["show", "chart", path])).stdout;
      expect(shown).toContain("name: web\n");
      expect(shown).toContain(`version: ${VERSION}\n`);
      expect(shown).toContain(`appVersion: ${VERSION}\n`);
      expect(shown).toContain("example.com/owner: team-web");

      const theirs = await helmPackageEntries(major, join(FIXTURES, "web"), VERSION);
      expect(await tarList(path)).toEqual(theirs);
      expect([...chart.entries]).toEqual(theirs);
    });

    test.skipIf(!world.available("helm"))("a vendored dependency archive (helm dependency build's charts/*.tgz) is unpacked as helm package does", async () => {
      const parent = mkdtempSync(join(out, "vendored-"));
      mkdirSync(join(parent, "charts"));
      writeFileSync(join(parent, "Chart.yaml"), "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n  - name: cache\n    version: 0.2.0\n");
      await helm(major, ["package", join(FIXTURES, "web/charts/cache-dir"), "--destination", join(parent, "charts")]);
      const ours = await packageChartDirectory(parent, { version: VERSION });
      expect([...ours.entries]).toEqual(await helmPackageEntries(major, parent, VERSION));
      expect(ours.entries).toContain("parent/charts/cache/templates/configmap.yaml");
      const rendered = (await helm(major, ["template", "rel", await archive(ours)])).stdout;
      expect(rendered).toContain("name: rel-cache");
    });

    test.skipIf(!world.available("helm"))("webapp chart: lints strictly, renders only Kubernetes 1.20 API versions with the digest, follows values", async () => {
      const options = {
        kind: "webapp",
        port: 8080,
        replicas: 2,
        hostNetwork: true,
        env: { GREETING: "hello world" },
        ingress: { host: "api.example.com", path: "/" },
        resources: { requests: { cpu: "50m", memory: "32Mi" } },
        probePath: "/healthz",
      } as const;
      const path = await archive(await packageChart(webappChart("demo-api", VERSION, options), { version: VERSION, image: IMAGE }));
      await lints(major, path);

      const rendered = (await helm(major, ["template", "rel", path, "--kube-version", "1.20.0"])).stdout;
      const kinds = objects(rendered).map((o) => `${o.apiVersion} ${o.kind}`);
      expect(kinds.sort()).toEqual(["apps/v1 Deployment", "networking.k8s.io/v1 Ingress", "v1 Service"]);
      expect(imagesOf(rendered)).toEqual([PINNED_BY_DIGEST]);

      // per-target values (as harmony.yaml's `values:` gives them) reach the objects
      const staging = join(out, `staging-${major}.yaml`);
      writeFileSync(staging, "port: 18081\ningress: { enabled: false }\n");
      const overridden = objects((await helm(major, ["template", "rel", path, "-f", staging])).stdout);
      expect(overridden.map((o) => o.kind).sort()).toEqual(["Deployment", "Service"]);
      expect(overridden.find((o) => o.kind === "Deployment")?.spec?.template?.spec?.containers?.[0]?.ports).toEqual([
        { name: "http", containerPort: 18081, protocol: "TCP" },
      ]);
    });

    test.skipIf(!world.available("helm"))("module chart: lints, renders the pinned image, shows our Chart.yaml", async () => {
      const files = await moduleChart(join(FIXTURES, "module/chart.ts"), moduleInput("demo-worker", VERSION, IMAGE, { schedule: "@daily" }), work);
      const path = await archive(await packageChart(files, { version: VERSION, image: IMAGE }));
      await lints(major, path);
      const rendered = (await helm(major, ["template", "rel", path])).stdout;
      expect(imagesOf(rendered)).toEqual([`127.0.0.1:5000/demo/web:1.4.0@${IMAGE.ref.digest}`]);
      expect(rendered).toContain('value: "@daily"');
      expect((await helm(major, ["show", "chart", path])).stdout).toContain("description: a worker, from TypeScript");
    });
  });
}

describe("Kubernetes 1.20", () => {
  test.skipIf(!world.available("helm") || !world.available("kube"))(
    "the webapp chart's objects are accepted by a real 1.20 API server (server-side dry run)",
    async () => {
      const kube = await world.kube();
      const options = { kind: "webapp", port: 8080, replicas: 1, hostNetwork: true, env: { A: "1" }, ingress: { host: "api.example.com", path: "/" }, probePath: "/healthz" } as const;
      const path = await archive(await packageChart(webappChart("demo-api", VERSION, options), { version: VERSION, image: IMAGE }));
      const rendered = join(out, "webapp-rendered.yaml");
      writeFileSync(rendered, (await helm(3, ["template", "dry-run", path, "--namespace", "default"])).stdout);
      const applied = await runOk([kube.kubectl, "apply", "--dry-run=server", "--namespace", "default", "-f", rendered], { env: kube.env });
      expect(applied.stdout).toContain("deployment.apps/dry-run created (server dry run)");
      expect(applied.stdout).toContain("service/dry-run created (server dry run)");
      expect(applied.stdout).toContain("ingress.networking.k8s.io/dry-run created (server dry run)");
    },
    300_000,
  );
});
