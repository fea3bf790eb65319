/**
 * Problems in a chart's YAML files (Chart.yaml, values.yaml) as positioned ConfigIssues, so the
 * user is sent to the line, the same way harmony.yaml problems are reported.
 */
import type { BaseIssue } from "valibot";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { HarmonyError, type ConfigIssue } from "../../capabilities/index.ts";

type Key = string | number;

export interface ParsedYaml {
  readonly file: string;
  readonly doc: Document;
  readonly counter: LineCounter;
}

function child(node: unknown, key: Key): { value: unknown; key?: Node } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(key));
    return pair === undefined ? undefined : { value: pair.value, key: pair.key as Node };
  }
  if (isSeq(node) && typeof key === "number") return { value: node.items[key] };
  return undefined;
}

/** Line and column of `path`, or of its deepest existing parent when the path runs out. */
function locate(parsed: ParsedYaml, path: readonly Key[], atKey: boolean): { line: number; col: number } {
  let node: unknown = parsed.doc.contents;
  let offset = (parsed.doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const [i, key] of path.entries()) {
    const next = child(node, key);
    if (next === undefined) break;
    const target = i === path.length - 1 && atKey && next.key ? next.key : (next.value as Node | null);
    offset = target?.range?.[0] ?? offset;
    node = next.value;
  }
  return parsed.counter.linePos(offset);
}

export function formatKeyPath(path: readonly Key[]): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out === "" ? key : `.${key}`;
  return out === "" ? "(root)" : out;
}

export function issueAt(parsed: ParsedYaml, path: readonly Key[], message: string, atKey = false): ConfigIssue {
  return { file: parsed.file, ...locate(parsed, path, atKey), path: formatKeyPath(path), message };
}

function readable(issue: BaseIssue<unknown>): string {
  if (!issue.message.startsWith("Invalid type: ")) return issue.message;
  // YAML reads `version: 1.0` as a number: say so, since the file shows what looks like a string.
  const scalar = issue.input === null || typeof issue.input === "number" || typeof issue.input === "boolean";
  const quote = issue.expected === "string" && scalar;
  return `expected ${issue.expected} but got ${issue.received}${quote ? " (YAML reads it as a non-string: quote the value)" : ""}`;
}

export function valibotIssues(parsed: ParsedYaml, issues: readonly BaseIssue<unknown>[]): ConfigIssue[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).map((item) => item.key as Key);
    const unknownKey = issue.type === "strict_object" && issue.expected === "never";
    const missing = !unknownKey && issue.received === "undefined" && parsed.doc.getIn(path, true) === undefined;
    const message = unknownKey ? `unknown key ${issue.received}` : missing ? `missing required key "${String(path.at(-1))}"` : readable(issue);
    return issueAt(parsed, path, message, unknownKey);
  });
}

/** One error for a file's problems: the first in the message, all of them in `issues`. */
export function yamlError(file: string, unsorted: readonly ConfigIssue[], hint?: string): HarmonyError {
  const issues = [...unsorted].sort((a, b) => a.line - b.line || a.col - b.col);
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new HarmonyError("config", `${file}:${first.line}:${first.col}  ${first.path}: ${first.message}${more}`, {
    issues,
    ...(hint === undefined ? {} : { hint }),
  });
}

/** Parses YAML keeping comments and positions; a syntax error is a config error at its line. */
export function parseYaml(file: string, text: string): ParsedYaml {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
  const parsed = { file, doc, counter };
  if (doc.errors.length > 0) {
    throw yamlError(
      file,
      doc.errors.map((e) => ({ file, ...counter.linePos(e.pos[0]), path: "(yaml)", message: e.message.split("\n")[0] ?? e.code })),
    );
  }
  return parsed;
}
