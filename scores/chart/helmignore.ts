/**
 * `.helmignore` as helm 3.17 and 4.1 actually evaluate it (pkg/ignore/rules.go), which is not quite
 * what helm's documentation says:
 *
 * - one pattern per line, trimmed; blank lines and `#` lines skipped; no inline comments;
 * - patterns are Go `filepath.Match` globs; `**` is an error, as is a malformed pattern;
 * - a trailing `/` matches directories only; a leading `/` anchors to the chart root; a pattern with
 *   a `/` elsewhere matches the whole relative path; a pattern without `/` matches the base name;
 * - rules are tried in order and the first match decides. A `!pattern` rule IGNORES every path it
 *   does NOT match (and lets a matching path fall through to the next rule), so `!Chart.yaml`
 *   first ignores everything else — checked against both helm binaries in tests/integration/chart;
 * - after the file's rules, helm adds `templates/.?*` (dotfiles in templates/ are never packaged);
 * - an ignored directory is skipped with everything below it.
 */
import { BadPatternError, compileGlob } from "./glob.ts";

interface Rule {
  readonly raw: string;
  readonly negate: boolean;
  readonly mustDir: boolean;
  /** Whether the pattern is tested against the base name only. */
  readonly baseNameOnly: boolean;
  readonly glob: RegExp;
}

export interface IgnoreRules {
  readonly rules: readonly Rule[];
}

export class HelmignoreError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function parseRule(text: string, line: number): Rule | undefined {
  let rule = text.trim();
  if (rule === "" || rule.startsWith("#")) return undefined;
  if (rule.includes("**")) throw new HelmignoreError(line, `"${rule}": double-star (**) syntax is not supported by helm`);
  const raw = rule;
  const negate = rule.startsWith("!");
  if (negate) rule = rule.slice(1);
  const mustDir = rule.endsWith("/");
  if (mustDir) rule = rule.slice(0, -1);
  const anchored = rule.startsWith("/");
  if (anchored) rule = rule.slice(1);
  try {
    // helm compiles the raw line first, so a bad pattern fails even when negated or anchored.
    compileGlob(raw);
    return { raw, negate, mustDir, baseNameOnly: !anchored && !rule.includes("/"), glob: compileGlob(rule) };
  } catch (error) {
    if (error instanceof BadPatternError) throw new HelmignoreError(line, error.message);
    throw error;
  }
}

/** Parses a `.helmignore` file's text and appends helm's default rule. */
export function parseHelmignore(text: string): IgnoreRules {
  const rules: Rule[] = [];
  // Go's line scanner splits on \n and drops a trailing \r.
  for (const [i, line] of text.split("\n").entries()) {
    const rule = parseRule(line, i + 1);
    if (rule !== undefined) rules.push(rule);
  }
  rules.push(parseRule("templates/.?*", 0)!);
  return { rules };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Whether `path` (relative, `/`-separated, no trailing slash) is left out of the package. */
export function isIgnored(rules: IgnoreRules, path: string, isDirectory: boolean): boolean {
  if (path === "" || path === "." || path === "./") return false;
  for (const rule of rules.rules) {
    const matches = rule.glob.test(rule.baseNameOnly ? baseName(path) : path);
    if (rule.negate) {
      if (rule.mustDir && !isDirectory) return true;
      if (!matches) return true;
      continue;
    }
    if (rule.mustDir && !isDirectory) continue;
    if (matches) return true;
  }
  return false;
}
