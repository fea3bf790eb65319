import { beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, harmony, ROOT } from "./binary.ts";

beforeAll(async () => {
  await ensureBinary();
}, 120_000);

function scratchCopy(fixture: string): { dir: string; cleanup: () => void } {
  const parent = mkdtempSync(join(tmpdir(), "harmony-init-"));
  const dir = join(parent, fixture);
  cpSync(join(ROOT, "fixtures/init", fixture), dir, { recursive: true });
  return { dir, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}

describe("harmony init", () => {
  test.each([
    ["shop-repo", ["shop-repo-api", "shop-repo-web"]],
    ["solo-repo", ["solo-repo"]],
  ] as const)("%s: the manifest it writes is accepted by validate", async (fixture, names) => {
    const { dir, cleanup } = scratchCopy(fixture);
    try {
      const init = await harmony(["init", "--dir", dir]);
      expect(init.code).toBe(0);
      for (const name of names) expect(init.stdout).toContain(`guessed ${name}:`);
      const validate = await harmony(["apps", "--json", "--manifest", join(dir, "harmony.yaml")]);
      expect(validate.code).toBe(0);
      expect(JSON.parse(validate.stdout).apps.map((a: { name: string }) => a.name)).toEqual([...names]);
    } finally {
      cleanup();
    }
  });

  test("guesses the chart directory and the exposed port", async () => {
    const { dir, cleanup } = scratchCopy("shop-repo");
    try {
      await harmony(["init", "--dir", dir]);
      const text = readFileSync(join(dir, "harmony.yaml"), "utf8");
      expect(text).toContain("directory: ../../charts/web");
      expect(text).toContain("port: 9090");
    } finally {
      cleanup();
    }
  });

  test("never overwrites without --force", async () => {
    const { dir, cleanup } = scratchCopy("solo-repo");
    try {
      expect((await harmony(["init", "--dir", dir])).code).toBe(0);
      const again = await harmony(["init", "--dir", dir]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain("already exists");
      expect((await harmony(["init", "--dir", dir, "--force"])).code).toBe(0);
    } finally {
      cleanup();
    }
  });
});
