// The demo project's three apps — chart directory, webapp builder, TypeScript module — through
// packageChartFor (what ReleasePreparation.packageChart is wired to), rendered by helm 3 and 4.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { recordingReporter, type PublishedImage } from "../../../capabilities/index.ts";
import { loadManifest } from "../../../cli/manifest/load.ts";
import { chartNameOf } from "../../../scores/chart-name.ts";
import { packageChartFor } from "../../../scores/chart/package-for.ts";
import { world } from "../../world/index.ts";
import { helm, MAJORS } from "./helm-cli.ts";

const MANIFEST = resolve(import.meta.dir, "../../../fixtures/demo/harmony.yaml");
const DIGEST = `sha256:${"d1".repeat(32)}`;
const archives: string[] = [];
// packageChartFor removes its directory when the process exits, which `bun test` never signals.
afterAll(() => {
  for (const archive of archives) rmSync(dirname(dirname(archive)), { recursive: true, force: true });
});

describe("the demo project's charts", () => {
  const apps = loadManifest(MANIFEST).apps;

  test("one app per chart source", () => {
    expect(apps.map((a) => (a.chart.kind === "directory" ? "directory" : a.chart.builder.kind))).toEqual(["directory", "webapp", "module"]);
  });

  for (const app of apps) {
    test.skipIf(!world.available("helm"))(`${app.name}: packaged under its chart name, rendered with the pinned image`, async () => {
      const image: PublishedImage = { ref: { registry: "127.0.0.1:5000", repository: `demo/${app.name}`, tag: "1.4.0", digest: DIGEST } };
      const work = { reporter: recordingReporter(), signal: new AbortController().signal };
      const chart = await packageChartFor(app, "1.4.0", image, work);
      archives.push(chart.archivePath);
      expect(chart.name).toBe(chartNameOf(app)); // what --promote resolves the published chart by
      expect(chart.version).toBe("1.4.0");
      expect(work.reporter.lines[0]).toStartWith(`info: packaged chart ${chart.name} 1.4.0 (`);
      for (const major of MAJORS) {
        const rendered = (await helm(major, ["template", "rel", chart.archivePath])).stdout;
        expect(rendered).toMatch(new RegExp(`image: "127\\.0\\.0\\.1:5000/demo/${app.name}(:1\\.4\\.0)?@${DIGEST}"`));
      }
    });
  }
});
