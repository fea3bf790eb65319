import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

// Imports flow one way: cli → topologies → scores → capabilities; nothing imports cli/.
const LAYERS = ["capabilities", "scores", "topologies", "cli"] as const;
const rank = (layer: string) => LAYERS.indexOf(layer as (typeof LAYERS)[number]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function importedLayers(path: string): string[] {
  const source = readFileSync(path, "utf8");
  const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  return specifiers
    .filter((s) => s.startsWith("."))
    .map((s) => join(path, "..", s).split("/")[0]!)
    .filter((layer) => rank(layer) >= 0);
}

describe("import direction", () => {
  for (const layer of LAYERS) {
    test(`${layer}/ imports only from its own layer or below`, () => {
      const violations = files(layer).flatMap((file) =>
        importedLayers(file).filter((to) => rank(to) > rank(layer)).map((to) => `${file} → ${to}/`),
      );
      expect(violations).toEqual([]);
    });
  }

  test("the check sees imports at all", () => {
    expect(importedLayers("scores/runner.ts")).toContain("capabilities");
  });
});
