/**
 * Loads harmony.yaml: read, parse with positions, validate the shape, run the cross-field rules,
 * and either return the model or throw one config error carrying every problem found.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as v from "valibot";
import { LineCounter, parseDocument } from "yaml";
import { HarmonyError, type ConfigIssue } from "../../capabilities/index.ts";
import type { AppSpec } from "../../scores/app-spec.ts";
import type { TargetSpec } from "../../scores/targets.ts";
import type { TopologyConfig, TopologyName } from "../../topologies/config.ts";
import { crossFieldChecks } from "./checks.ts";
import { issueAt, sortIssues, toConfigIssues } from "./issues.ts";
import { manifestSchema } from "./schema.ts";
import { toAppSpec, toTargetSpecs } from "./to-spec.ts";

export const MAX_MANIFEST_BYTES = 1024 * 1024;

export interface Manifest {
  /** The path as the user named it, for messages. */
  readonly displayPath: string;
  readonly dir: string;
  readonly apps: readonly AppSpec[];
  readonly targets: Readonly<Record<string, TargetSpec>>;
  readonly topologies: Readonly<Partial<Record<TopologyName, TopologyConfig>>>;
}

function fail(displayPath: string, issues: ConfigIssue[]): never {
  const n = issues.length;
  throw new HarmonyError("config", `${displayPath} has ${n} problem${n === 1 ? "" : "s"}`, {
    issues: sortIssues(issues),
    hint: "run `harmony schema` for the JSON Schema your editor can check against",
  });
}

function readText(path: string, displayPath: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new HarmonyError("config", `${displayPath} not found`, { hint: "run `harmony init` to write a starting harmony.yaml, or pass --manifest FILE" });
  }
  if (size > MAX_MANIFEST_BYTES) fail(displayPath, [{ file: displayPath, line: 1, col: 1, path: "(root)", message: `file is ${size} bytes; the limit is ${MAX_MANIFEST_BYTES}` }]);
  const bytes = readFileSync(path);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder("utf-8").decode(bytes);
    const bad = text.indexOf("\uFFFD");
    const before = text.slice(0, Math.max(bad, 0)).split("\n");
    fail(displayPath, [{ file: displayPath, line: before.length, col: (before.at(-1)?.length ?? 0) + 1, path: "(root)", message: "not valid UTF-8" }]);
  }
}

export function loadManifest(displayPath: string, cwd = process.cwd()): Manifest {
  const path = resolve(cwd, displayPath);
  const text = readText(path, displayPath);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    fail(displayPath, doc.errors.map((e) => {
      const { line, col } = counter.linePos(e.pos[0]);
      const message = e.code === "MULTIPLE_DOCS" ? "holds more than one YAML document (a second '---'); harmony.yaml is one document" : (e.message.split("\n")[0] ?? e.code);
      return { file: displayPath, line, col, path: "(yaml)", message };
    }));
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml refuses alias expansion past maxAliasCount ("billion laughs"); report it like any problem.
    fail(displayPath, [{ file: displayPath, line: 1, col: 1, path: "(yaml)", message: (error as Error).message }]);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    const what = data === null || data === undefined ? "the document is empty" : `the document is ${Array.isArray(data) ? "a list" : `a ${typeof data}`}`;
    fail(displayPath, [{ file: displayPath, line: 1, col: 1, path: "(root)", message: `${what}; expected a mapping with "apps:" and "targets:"` }]);
  }
  const result = v.safeParse(manifestSchema, data, { abortEarly: false });
  if (!result.success) fail(displayPath, toConfigIssues(displayPath, doc, counter, result.issues));
  const issues: ConfigIssue[] = [];
  const dir = dirname(path);
  crossFieldChecks(result.output, dir, (at, message, atKey) => issues.push(issueAt(displayPath, doc, counter, at, message, atKey)));
  if (issues.length > 0) fail(displayPath, issues);
  return {
    displayPath,
    dir,
    apps: result.output.apps.map((app) => toAppSpec(app, dir)),
    targets: toTargetSpecs(result.output, dir),
    topologies: result.output.topologies,
  };
}
