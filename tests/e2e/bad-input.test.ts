/**
 * The bad-input corpus through the compiled binary: every case exits 2, names file:line:col and the
 * field, and changes nothing (the project tree is byte-for-byte the same afterwards).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ensureBinary, harmony, ROOT } from "./binary.ts";

const INVALID = join(ROOT, "fixtures/invalid");
const cases = readdirSync(INVALID).filter((d) => !d.startsWith("_"));
let sandbox: string;

beforeAll(async () => {
  await ensureBinary();
  sandbox = mkdtempSync(join(tmpdir(), "harmony-bad-input-"));
  cpSync(INVALID, sandbox, { recursive: true });
}, 120_000);

/** Every file with its size and mtime: any write, create or delete shows up. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort().map((p) => {
    const s = statSync(join(dir, p));
    return `${p} ${s.size} ${s.mtimeMs}`;
  });
}

describe("bad input: exit 2, a located message, zero side effects", () => {
  test.each(cases)("%s", async (name) => {
    const before = snapshot(sandbox);
    const manifest = join(sandbox, name, "harmony.yaml");
    const result = await harmony(["--release", "--from-tag", "web-app-v1.0.0", "--manifest", manifest], { env: { HARMONY_TOPOLOGY: "ci" } });
    expect(result.code).toBe(2);
    const expected = readFileSync(join(INVALID, name, "expected.txt"), "utf8").trimEnd().split("\n");
    for (const line of expected) {
      // expected.txt names the fixture path; the run used the sandbox copy.
      const located = line.replace(`fixtures/invalid/${name}/harmony.yaml`, manifest);
      expect(result.stderr).toContain(located);
      expect(located).toMatch(/:\d+:\d+ {2}\S+: /);
    }
    expect(snapshot(sandbox)).toEqual(before);
  });

  test("an oversize manifest is refused before it is parsed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "harmony-oversize-"));
    try {
      const path = join(dir, "harmony.yaml");
      writeFileSync(path, `# ${"x".repeat(1024 * 1024)}\napps: []\n`);
      const result = await harmony(["validate", "--manifest", path]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${path}:1:1  (root): file is ${1024 * 1024 + 12} bytes; the limit is 1048576`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ["not-a-tag", 'tag "not-a-tag" is not of the form <name>-v<semver>', "known names: demo-web, demo-web-api, demo-worker"],
    ["demo-web-v1.0", '"1.0" is not a SemVer 2.0.0 version', "expected demo-web-v<major>.<minor>.<patch>"],
    ["demo-web-v1.0.0-", '"1.0.0-" is not a SemVer 2.0.0 version', "expected demo-web-v<major>.<minor>.<patch>"],
    ["demo-wbe-v1.0.0", "did you mean demo-web?", "known names: demo-web, demo-web-api, demo-worker"],
    ["refs/heads/demo-web-v1.0.0", "names no known app", "known names: demo-web, demo-web-api, demo-worker"],
  ])("bad tag %p: exit 2 before anything runs", async (tag, message, hint) => {
    const demo = mkdtempSync(join(tmpdir(), "harmony-bad-tag-"));
    try {
      cpSync(join(ROOT, "fixtures/demo"), demo, { recursive: true });
      const before = snapshot(demo);
      const result = await harmony(["release", "--from-tag", tag], { cwd: demo });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain(hint);
      expect(snapshot(demo)).toEqual(before);
    } finally {
      rmSync(demo, { recursive: true, force: true });
    }
  });

  test("the corpus has at least 40 cases", () => {
    expect(cases.length + 1 + 5).toBeGreaterThanOrEqual(40);
    expect(relative(ROOT, INVALID)).toBe("fixtures/invalid");
  });
});
