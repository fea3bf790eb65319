// A TypeScript chart module loaded by a `bun build --compile` binary (the flags of dist/harmony's
// build script), from a directory outside the repository, written after the binary was built — so
// it cannot have been bundled — and rendered by the real helm with the pinned digest.
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ChartPackage } from "../../../capabilities/index.ts";
import { run, runOk, world } from "../../world/index.ts";
import { helm, MAJORS } from "./helm-cli.ts";

const ROOT = resolve(import.meta.dir, "../../..");
const DIGEST = `sha256:${"5e".repeat(32)}`;
const scratch = mkdtempSync(join(tmpdir(), "harmony-compiled-module-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** package.json's build command, aimed at our entry and a scratch output. */
function buildCommand(entry: string, outfile: string): string[] {
  const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { build: string } }).scripts.build;
  const argv = script.split(/\s+/);
  expect(argv.slice(0, 2)).toEqual(["bun", "build"]);
  expect(argv).toContain("--compile");
  return argv.map((arg, i) => (arg === "cli/main.ts" ? entry : argv[i - 1] === "--outfile" ? outfile : arg));
}

describe("module chart from a compiled binary", () => {
  test.skipIf(!world.available("helm"))(
    "is imported at run time, packaged, and rendered by helm 3 and 4 with the digest",
    async () => {
      const binary = join(scratch, "bin", "harmony-chart-entry");
      await runOk(buildCommand(join(import.meta.dir, "compiled-entry.ts"), binary), { cwd: ROOT });

      // The app's repository: somewhere else, created only now.
      const repo = join(scratch, "repo");
      cpSync(join(ROOT, "fixtures/charts/module"), join(repo, "deploy"), { recursive: true });
      const module = join(repo, "deploy", "chart.ts");

      const kept = join(scratch, "kept.tgz");
      const ran = await run([binary, module, DIGEST, kept], { cwd: repo, env: { PATH: "/usr/bin:/bin", HOME: scratch, NODE_PATH: "", BUN_INSTALL: "" } });
      expect(ran.stderr).toBe("");
      expect(ran.code).toBe(0);
      const chart = JSON.parse(ran.stdout) as ChartPackage;
      expect(chart).toMatchObject({ name: "demo-worker", version: "1.4.0" });
      expect(chart.archivePath).toStartWith(tmpdir());
      expect(existsSync(chart.archivePath)).toBe(false); // its temporary directory went with the process

      for (const major of MAJORS) {
        const rendered = (await helm(major, ["template", "rel", kept])).stdout;
        expect(rendered).toContain(`image: "127.0.0.1:5000/demo/demo-worker:1.4.0@${DIGEST}"`);
        expect(rendered).toContain('value: "*/5 * * * *"');
      }
    },
    120_000,
  );
});
