/** Turns valibot's issues into harmony's positioned ConfigIssues, with messages a person can act on. */
import type { BaseIssue } from "valibot";
import type { ConfigIssue } from "../../capabilities/index.ts";
import type { Document, LineCounter } from "yaml";
import { formatPath, locate, type PathKey } from "./positions.ts";

function pathOf(issue: BaseIssue<unknown>): PathKey[] {
  return (issue.path ?? []).map((item) => item.key as PathKey);
}

function messageOf(issue: BaseIssue<unknown>, path: readonly PathKey[], keyMissing: boolean): string {
  if (issue.type === "strict_object" && issue.expected === "never") return `unknown key ${issue.received}`;
  if (keyMissing) return `missing required key "${String(path.at(-1))}"`;
  // valibot's defaults read "Invalid value: Expected >=1 but received 0"; say it the short way.
  if (/^Invalid [a-z ]+: /.test(issue.message)) return `expected ${issue.expected} but got ${issue.received}`;
  return issue.message;
}

export function toConfigIssues(
  file: string,
  doc: Document,
  counter: LineCounter,
  issues: readonly BaseIssue<unknown>[],
): ConfigIssue[] {
  return issues.map((issue) => {
    const path = pathOf(issue);
    const strictKey = issue.type === "strict_object" && issue.expected === "never";
    const keyMissing = issue.received === "undefined" && !strictKey && doc.getIn(path, true) === undefined;
    // Point at the key itself when the key is the problem (unknown key, bad record key).
    const unknownKey = strictKey || (!keyMissing && issue.path?.at(-1)?.origin === "key");
    const { line, col } = locate(doc, counter, path, unknownKey);
    return { file, line, col, path: formatPath(path), message: messageOf(issue, path, keyMissing) };
  });
}

export function issueAt(
  file: string,
  doc: Document,
  counter: LineCounter,
  path: readonly PathKey[],
  message: string,
  atKey = false,
): ConfigIssue {
  const { line, col } = locate(doc, counter, path, atKey);
  return { file, line, col, path: formatPath(path), message };
}

export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.col - b.col);
}
