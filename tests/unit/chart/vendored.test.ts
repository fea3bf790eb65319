// Vendored dependency archives (charts/*.tgz) are unpacked into charts/<name>/ as helm package does,
// with the same refusals as a chart directory.
import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { HarmonyError } from "../../../capabilities/index.ts";
import { textFile, type ChartFile, type ChartFiles } from "../../../scores/chart/chart-files.ts";
import { packageChart } from "../../../scores/chart/package.ts";
import { entryText } from "./read-archive.ts";

const PARENT = "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.2.3\n";
const chart = (extra: ChartFile[]): ChartFiles => ({
  origin: "test builder",
  from: "builder",
  files: [textFile("Chart.yaml", PARENT), textFile("templates/cm.yaml", "kind: ConfigMap\n"), ...extra],
});

/** A .tgz holding exactly these tar entries (names as given, so hostile ones too). */
async function tgz(entries: { name: string; text?: string; type?: "file" | "symlink" | "directory"; linkname?: string }[]): Promise<Uint8Array> {
  const tar = pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Uint8Array);
  })();
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? "file", ...(e.linkname && { linkname: e.linkname }) };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (header.type === "file") tar.entry(header, e.text ?? "", done);
      else tar.entry(header, done).end(undefined);
    });
  }
  tar.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}

async function failure(files: ChartFiles): Promise<HarmonyError> {
  const error = await packageChart(files, { version: "1.0.0" }).then(() => undefined, (e: unknown) => e);
  if (error instanceof HarmonyError) return error;
  throw new Error(`expected a HarmonyError, got ${String(error)}`);
}

describe("vendored dependency archives", () => {
  test("a charts/*.tgz made by a packager is written back as charts/<its chart name>/", async () => {
    const redis = await packageChart(
      { origin: "redis", from: "builder", files: [textFile("Chart.yaml", "apiVersion: v2\nname: redis\nversion: 1.2.3\n"), textFile("values.yaml", "\uFEFFsize: 1\n"), textFile("templates/a.yaml", "kind: A\n")] },
      { version: "1.2.3" },
    );
    const parent = await packageChart(chart([{ path: "charts/redis-1.2.3.tgz", data: redis.bytes }]), { version: "1.0.0" });
    expect(parent.entries).toEqual(["app/Chart.yaml", "app/templates/cm.yaml", "app/charts/redis/Chart.yaml", "app/charts/redis/values.yaml", "app/charts/redis/templates/a.yaml"]);
    expect(await entryText(parent.bytes, "app/charts/redis/values.yaml")).toBe("size: 1\n"); // BOM dropped, as helm drops it
  });

  test("the dependency check uses the archive's chart name, not its file name", async () => {
    const other = await tgz([{ name: "cache/Chart.yaml", text: "apiVersion: v2\nname: cache\nversion: 1.2.3\n" }]);
    const error = await failure(chart([{ path: "charts/redis-1.2.3.tgz", data: other }]));
    expect(error.message).toContain('dependencies[0] "redis" is declared but missing from charts/');
  });

  test("directory entries and pax records are skipped", async () => {
    const archive = await tgz([{ name: "redis/", type: "directory" }, { name: "redis/Chart.yaml", text: "apiVersion: v2\nname: redis\nversion: 1.2.3\n" }]);
    const parent = await packageChart(chart([{ path: "charts/redis.tgz", data: archive }]), { version: "1.0.0" });
    expect(parent.entries).toContain("app/charts/redis/Chart.yaml");
  });

  test("an entry leaving the chart is refused", async () => {
    const archive = await tgz([{ name: "redis/Chart.yaml", text: "apiVersion: v2\nname: redis\nversion: 1.2.3\n" }, { name: "redis/../../../evil", text: "x" }]);
    const error = await failure(chart([{ path: "charts/redis.tgz", data: archive }]));
    expect(error.message).toBe('test builder (charts/redis.tgz): chart file "../../../evil" leaves the chart (..)');
  });

  test("a symbolic link inside is refused", async () => {
    const archive = await tgz([{ name: "redis/Chart.yaml", text: "apiVersion: v2\nname: redis\nversion: 1.2.3\n" }, { name: "redis/link", type: "symlink", linkname: "/etc/passwd" }]);
    expect((await failure(chart([{ path: "charts/redis.tgz", data: archive }]))).message).toBe(
      "test builder (charts/redis.tgz): redis/link is a symlink, not a regular file",
    );
  });

  test("bytes that are not a gzip'd tar are a config error naming the file", async () => {
    const error = await failure(chart([{ path: "charts/redis-1.2.3.tgz", data: new Uint8Array([1, 2, 3]) }]));
    expect(error.kind).toBe("config");
    expect(error.message).toStartWith("test builder (charts/redis-1.2.3.tgz): not a readable chart archive");
  });
});
