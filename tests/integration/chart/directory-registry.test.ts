// HelmRegistry `directory`: archives land whole under <dir>/<name>-<version>.tgz, the digest is the
// archive's sha256, unchanged re-publishing writes nothing, and helm installs from the location.
import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HarmonyError, recordingReporter, type ChartPackage, type WorkContext } from "../../../capabilities/index.ts";
import { packageChartDirectory, writeChartPackage } from "../../../scores/chart/package.ts";
import { createDirectoryHelmRegistry } from "../../../topologies/adapters/helm-registry/directory.ts";
import { world } from "../../world/index.ts";
import { IMAGE } from "../../unit/chart/read-archive.ts";
import { helm, MAJORS } from "./helm-cli.ts";

const WEB = resolve(import.meta.dir, "../../../fixtures/charts/web");
const project = mkdtempSync(join(tmpdir(), "harmony-directory-registry-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function work(): WorkContext & { reporter: ReturnType<typeof recordingReporter> } {
  return { reporter: recordingReporter(), signal: new AbortController().signal };
}

async function packaged(version: string, digest = IMAGE.ref.digest): Promise<ChartPackage> {
  const chart = await packageChartDirectory(WEB, { version, image: { ref: { ...IMAGE.ref, digest } } });
  return { name: chart.name, version: chart.version, archivePath: writeChartPackage(chart, mkdtempSync(join(project, "build-"))) };
}

const sha256 = (path: string) => `sha256:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;

describe("directory HelmRegistry", () => {
  const registry = createDirectoryHelmRegistry({ path: ".harmony/charts" }, { projectDir: project, env: {} });
  const dir = join(project, ".harmony/charts");

  test("push copies the archive under <name>-<version>.tgz (relative to the project), digest = sha256", async () => {
    const chart = await packaged("1.0.0");
    const published = await registry.push(chart, work());
    expect(published).toEqual({ name: "web", version: "1.0.0", location: join(dir, "web-1.0.0.tgz"), digest: sha256(chart.archivePath) });
    expect(readFileSync(published.location).equals(readFileSync(chart.archivePath))).toBe(true);
    expect(readdirSync(dir)).toEqual(["web-1.0.0.tgz"]); // no partial file left behind
  });

  test("resolve reads it back; an absent version is undefined", async () => {
    const found = await registry.resolve("web", "1.0.0", work());
    expect(found?.digest).toBe(sha256(join(dir, "web-1.0.0.tgz")));
    expect(await registry.resolve("web", "9.9.9", work())).toBeUndefined();
  });

  test("re-publishing identical bytes writes nothing", async () => {
    const before = statSync(join(dir, "web-1.0.0.tgz"));
    const again = work();
    const published = await registry.push(await packaged("1.0.0"), again);
    const after = statSync(join(dir, "web-1.0.0.tgz"));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(again.reporter.lines).toEqual([`info: chart web 1.0.0 already in ${dir} (${published.digest})`]);
  });

  test("different bytes for a published version replace it atomically, with a warning", async () => {
    const before = statSync(join(dir, "web-1.0.0.tgz"));
    const changed = work();
    const published = await registry.push(await packaged("1.0.0", `sha256:${"99".repeat(32)}`), changed);
    expect(statSync(published.location).ino).not.toBe(before.ino); // renamed into place, not rewritten
    expect(changed.reporter.lines[0]).toStartWith("warn: replacing chart web 1.0.0");
    expect(readdirSync(dir)).toEqual(["web-1.0.0.tgz"]);
  });

  test("names that could leave the folder are refused", async () => {
    await expect(registry.resolve("../web", "1.0.0", work())).rejects.toThrow(HarmonyError);
    await expect(registry.resolve("web", "1.0.0/../../x", work())).rejects.toThrow(HarmonyError);
  });

  test("preflight: fine for a folder still to be created, a problem under a file", async () => {
    expect(await registry.preflight!(work())).toEqual([]);
    mkdirSync(join(project, "blocked"), { recursive: true });
    writeFileSync(join(project, "blocked", "file"), "");
    const blocked = createDirectoryHelmRegistry({ path: "blocked/file/charts" }, { projectDir: project, env: {} });
    const problems = await blocked.preflight!(work());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("is a file");
  });

  for (const major of MAJORS) {
    test.skipIf(!world.available("helm"))(`helm ${major} renders from the published location`, async () => {
      const published = await registry.push(await packaged("2.0.0"), work());
      const rendered = (await helm(major, ["template", "rel", published.location])).stdout;
      expect(rendered).toContain(`@${IMAGE.ref.digest}`);
      expect((await helm(major, ["show", "chart", published.location])).stdout).toContain("version: 2.0.0");
    });
  }
});
