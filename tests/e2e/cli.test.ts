import { beforeAll, describe, expect, test } from "bun:test";
import { cpSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, harmony, ROOT } from "./binary.ts";

const DEMO = "fixtures/demo/harmony.yaml";

beforeAll(async () => {
  await ensureBinary();
}, 120_000);

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: false }).map(String).sort();
}

describe("dist/harmony", () => {
  test("--version and --help", async () => {
    const version = await harmony(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await harmony(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["release", "plan", "validate", "apps", "schema"]) expect(help.stdout).toContain(command);
  });

  test("a bad tag fails before anything runs: exit 2, the known names, no side effects", async () => {
    const project = mkdtempSync(join(tmpdir(), "harmony-e2e-"));
    try {
      cpSync(join(ROOT, "fixtures/demo"), project, { recursive: true });
      const before = listTree(project);
      const result = await harmony(["--release", "--from-tag", "demo-wbe-v1.0.0"], { cwd: project });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('tag "demo-wbe-v1.0.0" names no known app "demo-wbe"');
      expect(result.stderr).toContain("did you mean demo-web?");
      expect(result.stderr).toContain("known names: demo-web, demo-web-api, demo-worker");
      expect(listTree(project)).toEqual(before);
      const malformed = await harmony(["release", "--from-tag", "demo-web-v1.0"], { cwd: project });
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain('"1.0" is not a SemVer 2.0.0 version');
      expect(listTree(project)).toEqual(before);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test("an unknown command suggests the right one", async () => {
    const result = await harmony(["relase"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("did you mean `release`?");
  });

  test("plan prints the steps, references and adapters", async () => {
    const result = await harmony(["plan", "--from-tag", "demo-web-v1.4.0+build.7", "--manifest", DEMO]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe("demo-web 1.4.0+build.7  (tag demo-web-v1.4.0+build.7)");
    expect(result.stdout).toContain("image  oci-layout:.harmony/images/demo-web:1.4.0_build.7");
    expect(result.stdout).toContain("containerBuilder     daemonless");
    expect(result.stdout).toMatch(/1\. release\s+needs containerBuilder, ociRegistry, helmRegistry/);
    expect(result.stdout).toMatch(/5\. smoke production/);
  });

  test("plan --json is one parseable document; the CI topology is detected from the env", async () => {
    const result = await harmony(["plan", "--json", "--manifest", DEMO], {
      env: { GITHUB_ACTIONS: "true", GITHUB_REF_TYPE: "tag", GITHUB_REF_NAME: "demo-worker-v2.0.0-rc.1" },
    });
    expect(result.code).toBe(0);
    const { plan } = JSON.parse(result.stdout);
    expect(plan.app).toBe("demo-worker");
    expect(plan.version).toBe("2.0.0-rc.1");
    expect(plan.topology).toMatchObject({ name: "ci", reason: "detected GITHUB_ACTIONS" });
    expect(plan.image).toBe("127.0.0.1:5000/demo/demo-worker:2.0.0-rc.1");
    expect(plan.chart.location).toBe("oci://127.0.0.1:5000/charts/demo-worker:2.0.0-rc.1");
    expect(plan.steps.map((s: { name: string }) => s.name)).toEqual(["release", "deploy staging", "smoke staging", "deploy production", "smoke production"]);
  });

  test("--until staging and --promote shape the pipeline", async () => {
    const until = JSON.parse((await harmony(["plan", "--json", "--from-tag", "demo-web-v1.0.0", "--until", "staging", "--manifest", DEMO])).stdout);
    expect(until.plan.steps.map((s: { name: string }) => s.name)).toEqual(["release", "deploy staging", "smoke staging"]);
    const promote = JSON.parse((await harmony(["plan", "--json", "--from-tag", "demo-web-v1.0.0", "--promote", "--manifest", DEMO])).stdout);
    expect(promote.plan.steps.map((s: { name: string }) => s.name)).toEqual(["verify-published", "deploy production", "smoke production"]);
  });

  test("validate reports every problem with its position, exit 2; --json keeps them structured", async () => {
    const bad = "fixtures/invalid/missing-files/harmony.yaml";
    const result = await harmony(["validate", "--manifest", bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:5:27  apps[0].image.dockerfile.file: file not found: services/api/Dockerfile`);
    expect(result.stderr).toContain(`${bad}:8:18  apps[1].projectRoot: directory not found: ../nowhere`);
    const json = await harmony(["validate", "--json", "--manifest", bad]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.issues).toHaveLength(4);
  });

  test("apps lists each app and the tag it answers to", async () => {
    const result = await harmony(["apps", "--json", "--manifest", DEMO]);
    expect(JSON.parse(result.stdout).apps.map((a: { tag: string }) => a.tag)).toEqual(["demo-web-v<semver>", "demo-web-api-v<semver>", "demo-worker-v<semver>"]);
  });

  test("schema prints a JSON Schema", async () => {
    const result = await harmony(["schema"]);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toContain("json-schema.org");
    expect(schema.properties.apps.type).toBe("array");
    expect(schema.additionalProperties).toBe(false);
  });

  test("the binary works under another name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "harmony-name-"));
    try {
      const renamed = join(dir, "harmony-fleet");
      copyFileSync(BINARY, renamed);
      const result = await harmony(["plan", "--from-tag", "demo-web-v1.0.0", "--manifest", join(ROOT, DEMO)], { binary: renamed });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("demo-web 1.0.0");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
