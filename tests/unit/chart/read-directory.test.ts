// Reading a chart directory: .helmignore applied, links followed only inside the chart, limits kept.
import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HarmonyError } from "../../../capabilities/index.ts";
import { readChartDirectory } from "../../../scores/chart/read-directory.ts";

const WEB = resolve(import.meta.dir, "../../../fixtures/charts/web");
const scratch = mkdtempSync(join(tmpdir(), "harmony-chart-read-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A minimal chart in a fresh directory, plus whatever `extra` writes into it. */
function chart(name: string, extra: (dir: string) => void = () => {}): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, "templates"), { recursive: true });
  writeFileSync(join(dir, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  extra(dir);
  return dir;
}

function failure(run: () => unknown): HarmonyError {
  try {
    run();
  } catch (error) {
    if (error instanceof HarmonyError) return error;
    throw error;
  }
  throw new Error("expected a HarmonyError");
}

describe("readChartDirectory", () => {
  test("the fixture chart: .helmignore honoured, walk order as helm's (names sorted per directory)", () => {
    const paths = readChartDirectory(WEB).files.map((f) => f.path);
    expect(paths).toEqual([
      ".helmignore",
      "Chart.yaml",
      "README.md",
      "c.orig",
      "charts/cache-dir/Chart.yaml",
      "charts/cache-dir/templates/configmap.yaml",
      "charts/cache-dir/values.yaml",
      "docs/guide.md",
      "docs/notes.txt",
      "templates/NOTES.txt",
      "templates/_helpers.tpl",
      "templates/deployment.yaml",
      "templates/service.yaml",
      "tmp10.txt",
      "values.schema.json",
      "values.yaml",
    ]);
  });

  test("a UTF-8 byte-order mark is stripped, as helm strips it", () => {
    const dir = chart("bom", (d) => writeFileSync(join(d, "values.yaml"), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("a: 1\n")])));
    const values = readChartDirectory(dir).files.find((f) => f.path === "values.yaml")!;
    expect(Buffer.from(values.data).toString()).toBe("a: 1\n");
  });

  test("links inside the chart are followed (file and directory), as helm follows them", () => {
    const dir = chart("links-inside", (d) => {
      mkdirSync(join(d, "shared"));
      writeFileSync(join(d, "shared", "cm.yaml"), "kind: ConfigMap\n");
      symlinkSync("../shared/cm.yaml", join(d, "templates", "cm.yaml"));
      symlinkSync("shared", join(d, "also"));
    });
    const files = readChartDirectory(dir).files;
    expect(files.map((f) => f.path)).toEqual(["Chart.yaml", "also/cm.yaml", "shared/cm.yaml", "templates/cm.yaml"]);
    expect(Buffer.from(files.find((f) => f.path === "templates/cm.yaml")!.data).toString()).toBe("kind: ConfigMap\n");
  });

  test("a link that resolves outside the chart is refused, naming it", () => {
    writeFileSync(join(scratch, "secret.txt"), "not for the chart\n");
    const dir = chart("link-out", (d) => symlinkSync("../../secret.txt", join(d, "templates", "secret.txt")));
    const error = failure(() => readChartDirectory(dir));
    expect(error.kind).toBe("config");
    expect(error.message).toContain("templates/secret.txt is a symbolic link to");
    expect(error.message).toContain("outside the chart");
  });

  test("a directory link to outside the chart is refused too", () => {
    const dir = chart("dir-link-out", (d) => symlinkSync(scratch, join(d, "everything")));
    expect(failure(() => readChartDirectory(dir)).message).toContain("everything is a symbolic link to");
  });

  test("an ignored link is not looked at", () => {
    const dir = chart("link-ignored", (d) => {
      symlinkSync("/etc/hostname", join(d, "host.txt"));
      symlinkSync("nowhere", join(d, "dangling.txt"));
      writeFileSync(join(d, ".helmignore"), "*.txt\n");
    });
    expect(readChartDirectory(dir).files.map((f) => f.path)).toEqual([".helmignore", "Chart.yaml"]);
  });

  test("a dangling link and a link cycle are refused", () => {
    const dangling = chart("dangling", (d) => symlinkSync("nowhere", join(d, "gone.yaml")));
    expect(failure(() => readChartDirectory(dangling)).message).toContain("gone.yaml is a symbolic link to nothing");
    const cycle = chart("cycle", (d) => symlinkSync("..", join(d, "templates", "up")));
    expect(failure(() => readChartDirectory(cycle)).message).toContain("templates/up is a symbolic link back into one of its own parent directories");
  });

  test("a file over helm's 5 MiB limit is refused with its size; the same file ignored is fine", () => {
    const dir = chart("big", (d) => {
      writeFileSync(join(d, "big.bin"), "");
      truncateSync(join(d, "big.bin"), 5 * 1024 * 1024 + 1);
    });
    const error = failure(() => readChartDirectory(dir));
    expect(error.kind).toBe("config");
    expect(error.message).toContain('chart file "big.bin" is 5.0 MiB, over helm\'s limit of 5.0 MiB per file');
    writeFileSync(join(dir, ".helmignore"), "*.bin\n");
    expect(readChartDirectory(dir).files.map((f) => f.path)).toEqual([".helmignore", "Chart.yaml"]);
  });

  test("a pipe is refused as an irregular file", () => {
    const dir = chart("fifo", (d) => execFileSync("mkfifo", [join(d, "templates", "pipe")]));
    expect(failure(() => readChartDirectory(dir)).message).toContain("templates/pipe is not a regular file");
  });

  test("a bad .helmignore points at its line", () => {
    const dir = chart("bad-ignore", (d) => writeFileSync(join(d, ".helmignore"), "# ok\n*.txt\n**/secret\n"));
    const error = failure(() => readChartDirectory(dir));
    expect(error.message).toMatch(/\.helmignore:3: .*double-star/);
    expect(error.issues[0]?.line).toBe(3);
  });

  test("a missing directory is a config error", () => {
    expect(failure(() => readChartDirectory(join(scratch, "nope"))).message).toContain("does not exist");
  });
});
