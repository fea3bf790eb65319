// The packager: helm's layout, reproducible bytes, Chart.yaml validated with positions, paths kept
// inside the chart.
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HarmonyError } from "../../../capabilities/index.ts";
import { textFile, type ChartFiles } from "../../../scores/chart/chart-files.ts";
import { packageChart, packageChartDirectory } from "../../../scores/chart/package.ts";
import { entryText, IMAGE, readArchive } from "./read-archive.ts";

const WEB = resolve(import.meta.dir, "../../../fixtures/charts/web");
const scratch = mkdtempSync(join(tmpdir(), "harmony-chart-package-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const built = (files: Record<string, string>): ChartFiles => ({
  origin: "test builder",
  from: "builder",
  files: Object.entries(files).map(([path, text]) => textFile(path, text)),
});
const MINIMAL = { "Chart.yaml": "apiVersion: v2\nname: mini\nversion: 0.1.0\n", "templates/cm.yaml": "kind: ConfigMap\n" };

async function failure(run: () => Promise<unknown>): Promise<HarmonyError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof HarmonyError) return error;
    throw error;
  }
  throw new Error("expected a HarmonyError");
}

describe("determinism", () => {
  test("the same chart packaged twice gives identical bytes", async () => {
    const a = await packageChartDirectory(WEB, { version: "1.4.0", image: IMAGE });
    const b = await packageChartDirectory(WEB, { version: "1.4.0", image: IMAGE });
    expect(Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes))).toBe(0);
  });

  test("a copy elsewhere with other file times gives identical bytes", async () => {
    const copy = join(scratch, "web-copy");
    cpSync(WEB, copy, { recursive: true });
    utimesSync(join(copy, "values.yaml"), new Date("2001-02-03"), new Date("2001-02-03"));
    utimesSync(join(copy, "templates", "deployment.yaml"), new Date(), new Date());
    const a = await packageChartDirectory(WEB, { version: "1.4.0", image: IMAGE });
    const b = await packageChartDirectory(copy, { version: "1.4.0", image: IMAGE });
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
  });

  test("builder files in any order give identical bytes", async () => {
    const forward = await packageChart(built(MINIMAL), { version: "1.0.0" });
    const reversed = await packageChart(
      { origin: "test builder", from: "builder", files: [...built(MINIMAL).files].reverse() },
      { version: "1.0.0" },
    );
    expect(Buffer.from(reversed.bytes).equals(Buffer.from(forward.bytes))).toBe(true);
  });

  test("a different version or image gives different bytes", async () => {
    const a = await packageChartDirectory(WEB, { version: "1.4.0", image: IMAGE });
    const b = await packageChartDirectory(WEB, { version: "1.4.1", image: IMAGE });
    const c = await packageChartDirectory(WEB, { version: "1.4.0", image: { ref: { ...IMAGE.ref, digest: `sha256:${"cd".repeat(32)}` } } });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
    expect(Buffer.from(a.bytes).equals(Buffer.from(c.bytes))).toBe(false);
  });
});

describe("layout", () => {
  test("entries under <name>/, helm's order, regular files 0644 root-owned with one fixed time", async () => {
    const chart = await packageChartDirectory(WEB, { version: "1.4.0", image: IMAGE });
    const entries = await readArchive(chart.bytes);
    expect(entries.map((e) => e.header.name)).toEqual([...chart.entries]);
    expect(chart.entries.slice(0, 4)).toEqual(["web/Chart.yaml", "web/values.yaml", "web/values.schema.json", "web/templates/NOTES.txt"]);
    // the subchart comes last, under its chart name rather than its directory name
    expect(chart.entries.slice(-3)).toEqual(["web/charts/cache/Chart.yaml", "web/charts/cache/values.yaml", "web/charts/cache/templates/configmap.yaml"]);
    for (const { header } of entries) {
      expect(header.type).toBe("file");
      expect(header.mode).toBe(0o644);
      expect([header.uid, header.gid, header.uname, header.gname]).toEqual([0, 0, "", ""]);
      expect(header.mtime.toISOString()).toBe("1980-01-01T00:00:00.000Z");
    }
  });

  test("gzip header as helm writes it: extra field, comment Helm, mtime 0", async () => {
    const { bytes } = await packageChart(built(MINIMAL), { version: "1.0.0" });
    expect([...bytes.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0x14, 0, 0, 0, 0, 0, 0xff]);
    expect(Buffer.from(bytes.subarray(12, 12 + 41 + 5)).toString("latin1")).toEndWith("Helm\0");
  });

  test("Chart.yaml is re-written like helm's: release version and appVersion, keys sorted, comments dropped", async () => {
    const { bytes } = await packageChartDirectory(WEB, { version: "2.0.0-rc.1+build.7", image: IMAGE });
    const chartYaml = await entryText(bytes, "web/Chart.yaml");
    expect(chartYaml).toStartWith("annotations:\n  example.com/owner: team-web\napiVersion: v2\nappVersion: 2.0.0-rc.1+build.7\n");
    expect(chartYaml).toContain("\nversion: 2.0.0-rc.1+build.7\n");
    expect(chartYaml).not.toContain("#");
  });

  test("appVersion can differ from the chart version", async () => {
    const { bytes } = await packageChart(built(MINIMAL), { version: "1.0.0", appVersion: "v1-special" });
    expect(await entryText(bytes, "mini/Chart.yaml")).toContain("appVersion: v1-special\n");
  });

  test("without values.yaml and without an image, none is added; an image adds one", async () => {
    const plain = await packageChart(built(MINIMAL), { version: "1.0.0" });
    expect(plain.entries).toEqual(["mini/Chart.yaml", "mini/templates/cm.yaml"]);
    const hydrated = await packageChart(built(MINIMAL), { version: "1.0.0", image: IMAGE });
    expect(hydrated.entries).toEqual(["mini/Chart.yaml", "mini/values.yaml", "mini/templates/cm.yaml"]);
    expect(await entryText(hydrated.bytes, "mini/values.yaml")).toContain(IMAGE.ref.digest);
  });

});

describe("refusals", () => {
  const chartYaml = (dir: string, text: string): string => {
    const path = join(scratch, dir);
    cpSync(WEB, path, { recursive: true });
    writeFileSync(join(path, "Chart.yaml"), text);
    return path;
  };

  test("Chart.yaml problems name the file, line and field", async () => {
    const dir = chartYaml("bad-version", 'apiVersion: v2\nname: web\n# comment\nversion: "1.0"\ndependencies: [{ name: cache, version: 0.2.0 }]\n');
    const error = await failure(() => packageChartDirectory(dir, { version: "1.0.0" }));
    expect(error.kind).toBe("config");
    expect(error.message).toBe(`${join(dir, "Chart.yaml")}:4:10  version: "1.0" is not SemVer 2.0.0 (e.g. 1.4.0, 2.0.0-rc.1)`);
    expect(error.issues).toHaveLength(1);
    expect(error.hint).toContain("helm.sh/docs");
  });

  test("an unquoted number where a string belongs says to quote it", async () => {
    const dir = chartYaml("number-version", "apiVersion: v2\nname: web\nversion: 1.0\n");
    const error = await failure(() => packageChartDirectory(dir, { version: "1.0.0" }));
    expect(error.message).toBe(`${join(dir, "Chart.yaml")}:3:10  version: expected string but got 1 (YAML reads it as a non-string: quote the value)`);
  });

  test("every Chart.yaml problem is kept, each with its position", async () => {
    const dir = chartYaml("many", "apiVersion: v1\nname: Web_App\nversion: 1.0.0\nappversion: 1\ntype: service\n");
    const error = await failure(() => packageChartDirectory(dir, { version: "1.0.0" }));
    expect(error.issues.map((i) => [i.line, i.path])).toEqual([
      [1, "apiVersion"],
      [2, "name"],
      [4, "appversion"],
      [5, "type"],
    ]);
    expect(error.issues[0]!.message).toContain('must be "v2"');
    expect(error.issues[2]!.message).toBe('unknown key "appversion"');
  });

  test("a missing name or version is named", async () => {
    const dir = chartYaml("missing", "apiVersion: v2\ndescription: no name\n");
    const error = await failure(() => packageChartDirectory(dir, { version: "1.0.0" }));
    expect(error.issues.map((i) => i.message)).toEqual(['missing required key "name"', 'missing required key "version"']);
  });

  test("Chart.yaml that is not YAML, or missing, or a library chart", async () => {
    const broken = chartYaml("broken", "apiVersion: v2\nname: [web\n");
    expect((await failure(() => packageChartDirectory(broken, { version: "1.0.0" }))).message).toContain(join(broken, "Chart.yaml"));
    const missing = await failure(() => packageChart(built({ "values.yaml": "a: 1\n" }), { version: "1.0.0" }));
    expect(missing.message).toBe("test builder (Chart.yaml) is missing");
    const library = chartYaml("library", "apiVersion: v2\nname: web\nversion: 1.0.0\ntype: library\n");
    expect((await failure(() => packageChartDirectory(library, { version: "1.0.0" }))).message).toContain("a library chart cannot be installed");
  });

  test("the release version must be SemVer", async () => {
    for (const version of ["1.0", "v1.0.0", " 1.0.0"]) {
      const error = await failure(() => packageChart(built(MINIMAL), { version }));
      expect(error.message).toBe(`chart version "${version}" is not SemVer 2.0.0`);
    }
  });

  test("a declared dependency must be vendored, as helm package requires", async () => {
    const files = built({ ...MINIMAL, "Chart.yaml": "apiVersion: v2\nname: mini\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.2.3\n" });
    const error = await failure(() => packageChart(files, { version: "1.0.0" }));
    expect(error.message).toContain('dependencies[0] "redis" is declared but missing from charts/');
  });

  test("values.schema.json must be JSON; a subchart needs a Chart.yaml", async () => {
    const schema = await failure(() => packageChart(built({ ...MINIMAL, "values.schema.json": "{ nope" }), { version: "1.0.0" }));
    expect(schema.message).toContain("values.schema.json): not valid JSON");
    const sub = await failure(() => packageChart(built({ ...MINIMAL, "charts/x/values.yaml": "a: 1\n" }), { version: "1.0.0" }));
    expect(sub.message).toContain("charts/x/): subchart has no Chart.yaml");
  });

  for (const [path, why] of [
    ["../evil.yaml", "leaves the chart (..)"],
    ["templates/../../evil.yaml", "leaves the chart (..)"],
    ["/etc/passwd", "is an absolute path"],
    ["templates//x.yaml", "is not a normalized path"],
    ["templates/./x.yaml", "is not a normalized path"],
    ["templates\\x.yaml", "contains a backslash"],
  ] as const) {
    test(`a file named ${JSON.stringify(path)} is refused: ${why}`, async () => {
      const error = await failure(() => packageChart(built({ ...MINIMAL, [path]: "x: 1\n" }), { version: "1.0.0" }));
      expect(error.kind).toBe("config");
      expect(error.message).toBe(`test builder: chart file "${path}" ${why}`);
    });
  }

  test("a built file over 5 MiB is refused", async () => {
    const files = built(MINIMAL);
    const big = { path: "files/blob.bin", data: new Uint8Array(5 * 1024 * 1024 + 1) };
    const error = await failure(() => packageChart({ ...files, files: [...files.files, big] }, { version: "1.0.0" }));
    expect(error.message).toContain('chart file "files/blob.bin" is 5.0 MiB, over helm\'s limit');
  });
});
