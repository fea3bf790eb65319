import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatIssue, HarmonyError } from "../../capabilities/index.ts";
import { loadManifest } from "../../cli/manifest/load.ts";

const INVALID = "fixtures/invalid";
const cases = readdirSync(INVALID).filter((d) => !d.startsWith("_"));

function loadError(path: string): HarmonyError {
  try {
    loadManifest(path);
  } catch (e) {
    if (e instanceof HarmonyError) return e;
    throw e;
  }
  throw new Error(`${path} loaded without error`);
}

describe("invalid manifests: every problem at once, each with file:line:col and path", () => {
  test.each(cases)("%s", (name) => {
    const path = join(INVALID, name, "harmony.yaml");
    const error = loadError(path);
    expect(error.kind).toBe("config");
    const expected = readFileSync(join(INVALID, name, "expected.txt"), "utf8").trimEnd().split("\n");
    expect(error.issues.map(formatIssue)).toEqual(expected);
  });

  test("issues stay structured", () => {
    const [issue] = loadError(join(INVALID, "unknown-key", "harmony.yaml")).issues;
    expect(issue).toEqual({ file: "fixtures/invalid/unknown-key/harmony.yaml", line: 7, col: 7, path: "apps[0].chart.chrat", message: 'unknown key "chrat"' });
  });

  test("a missing manifest is a config error with a hint", () => {
    const error = loadError("fixtures/invalid/does-not-exist.yaml");
    expect(error.message).toContain("not found");
    expect(error.hint).toContain("harmony init");
  });
});

describe("the demo manifest", () => {
  const manifest = loadManifest("fixtures/demo/harmony.yaml");

  test("loads every image and chart source", () => {
    expect(manifest.apps.map((a) => [a.name, a.image.kind, a.chart.kind])).toEqual([
      ["demo-web", "dockerfile", "directory"],
      ["demo-web-api", "buildable", "builder"],
      ["demo-worker", "files", "builder"],
    ]);
  });

  test("paths are absolute and defaults applied", () => {
    const web = manifest.apps[0]!;
    expect(web.image.kind === "dockerfile" && web.image.dockerfile).toEndWith("fixtures/demo/services/web/Dockerfile");
    expect(manifest.targets.staging).toMatchObject({ kind: "cluster", namespace: "demo-staging", releaseName: "{app}" });
    const api = manifest.apps[1]!;
    expect(api.chart.kind === "builder" && api.chart.builder).toMatchObject({ kind: "webapp", port: 8080, replicas: 1, hostNetwork: false });
  });
});
