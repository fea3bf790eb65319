// A chart from the app's TypeScript module: imported at run time, its result validated with errors
// that name the module. The compiled-binary proof is tests/integration/chart/compiled-module.test.ts.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { HarmonyError, recordingReporter, type WorkContext } from "../../../capabilities/index.ts";
import { moduleChart, moduleInput } from "../../../scores/chart/module-chart.ts";
import { packageChart } from "../../../scores/chart/package.ts";
import { entryText, IMAGE } from "./read-archive.ts";

const FIXTURES = resolve(import.meta.dir, "../../../fixtures/charts");
const MODULE = join(FIXTURES, "module/chart.ts");
const INVALID = join(FIXTURES, "module-invalid");
const PINNED = `127.0.0.1:5000/demo/web:1.4.0@${IMAGE.ref.digest}`;
const scratch = mkdtempSync(join(tmpdir(), "harmony-chart-module-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const work = (signal = new AbortController().signal): WorkContext => ({ reporter: recordingReporter(), signal });
const input = moduleInput("demo-worker", "1.4.0", IMAGE, { schedule: "*/5 * * * *" });

async function failure(path: string, signal?: AbortSignal): Promise<HarmonyError> {
  try {
    await moduleChart(path, input, work(signal));
  } catch (error) {
    if (error instanceof HarmonyError) return error;
    throw error;
  }
  throw new Error("expected a HarmonyError");
}

describe("module chart", () => {
  test("the module gets the app, version, pinned image and options; its result becomes the chart's files", async () => {
    expect(input).toEqual({ app: "demo-worker", version: "1.4.0", image: PINNED, options: { schedule: "*/5 * * * *" } });
    const chart = await moduleChart(MODULE, input, work());
    expect(chart.origin).toBe(MODULE);
    expect(chart.files.map((f) => f.path)).toEqual(["Chart.yaml", "values.yaml", "templates/deployment.yaml", "README.md"]);
    const deployment = Buffer.from(chart.files[2]!.data).toString();
    // the relative import (./lib/labels.ts) resolved from the module's own directory
    expect(deployment).toContain("labels: { app.kubernetes.io/name: demo-worker,");
  });

  test("packaged like a directory chart, with the pinned image in values", async () => {
    const packaged = await packageChart(await moduleChart(MODULE, input, work()), { version: "1.4.0", image: IMAGE });
    expect(packaged.entries).toEqual(["demo-worker/Chart.yaml", "demo-worker/values.yaml", "demo-worker/templates/deployment.yaml", "demo-worker/README.md"]);
    expect(parse(await entryText(packaged.bytes, "demo-worker/values.yaml"))).toEqual({ image: PINNED, schedule: "*/5 * * * *", port: 9000 });
  });

  test("the demo project's worker module works as it is", async () => {
    const demo = resolve(FIXTURES, "../demo/services/worker/deploy/chart.ts");
    const packaged = await packageChart(await moduleChart(demo, input, work()), { version: "1.4.0", image: IMAGE });
    expect(packaged.name).toBe("demo-worker");
    expect(await entryText(packaged.bytes, "demo-worker/values.yaml")).toContain(PINNED);
  });

  const invalid: [string, string, string][] = [
    ["not-a-function.ts", "config", "the default export is of type object, not a function"],
    ["bad-shape.ts", "config", "returned an invalid chart: templates.deployment.yaml: must be the template's text; extra: unknown key"],
    ["bad-metadata.ts", "config", 'returned invalid chart metadata: chart.apiVersion: must be "v2"'],
    ["throws.ts", "failed", "threw: the worker chart needs options.schedule"],
    ["wrong-name.ts", "config", 'returned chart.name "someone-else": it must be the app\'s name "demo-worker"'],
  ];
  for (const [file, kind, message] of invalid) {
    test(`${file}: a ${kind} error naming the module`, async () => {
      const error = await failure(join(INVALID, file));
      expect(error.kind).toBe(kind as HarmonyError["kind"]);
      expect(error.message).toStartWith(`chart module ${join(INVALID, file)}`);
      expect(error.message).toContain(message);
    });
  }

  test("bad metadata lists every problem", async () => {
    const error = await failure(join(INVALID, "bad-metadata.ts"));
    expect(error.message).toContain('chart.version: "1.0" is not SemVer 2.0.0');
  });

  test("a template path leaving the chart is refused when packaged, naming the module", async () => {
    const path = join(INVALID, "escape.ts");
    const files = await moduleChart(path, input, work());
    const error = await packageChart(files, { version: "1.4.0" }).then(() => undefined, (e: unknown) => e as HarmonyError);
    expect(error).toBeInstanceOf(HarmonyError);
    expect(error?.message).toBe(`${path}: chart file "templates/../../../etc/cron.d/evil" leaves the chart (..)`);
  });

  test("a module that does not compile, or does not exist", async () => {
    const broken = join(scratch, "broken.ts");
    writeFileSync(broken, "export default function chart( {\n");
    const error = await failure(broken);
    expect(error.kind).toBe("config");
    expect(error.message).toStartWith(`chart module ${broken} cannot be loaded: `);
    expect((await failure(join(scratch, "absent.ts"))).message).toBe(`chart module ${join(scratch, "absent.ts")} does not exist`);
  });

  test("a module still running when the release is interrupted is abandoned", async () => {
    const hangs = join(scratch, "hangs.ts");
    writeFileSync(hangs, "export default () => new Promise(() => {});\n");
    const controller = new AbortController();
    const pending = failure(hangs, controller.signal);
    setTimeout(() => controller.abort(), 10);
    expect((await pending).kind).toBe("interrupted");
  });
});
