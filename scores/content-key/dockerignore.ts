/**
 * `.dockerignore` with Docker's own semantics (moby/patternmatcher, as the docker CLI applies it):
 * patterns are cleaned like filepath.Clean and made relative; `*` and `?` stop at `/`; `**` spans
 * any number of directories (zero included); `[...]` is a character class; `\` escapes; a pattern
 * matching a directory excludes everything below it; later patterns win, and a `!` pattern
 * re-includes what an earlier one excluded. The content key must see exactly the files Docker sends,
 * or it would call two different contexts equal (or one context changed when it is not).
 */
import { posix } from "node:path";

interface Pattern {
  readonly text: string;
  readonly exception: boolean;
  readonly regexp: RegExp;
}

export interface IgnoreMatcher {
  /** True when `path` (slash-separated, relative to the context) is left out of the context. */
  ignores(path: string): boolean;
  /**
   * True when nothing below directory `dir` can be sent, so a walk may skip it. Mirrors the docker
   * CLI: an excluded directory is still entered when an exception pattern starts with its path.
   */
  skipsDirectory(dir: string): boolean;
  readonly patterns: readonly string[];
}

/** The lines of a .dockerignore file as Docker reads them: comments and blanks dropped, cleaned. */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = i === 0 ? raw.replace(/^\uFEFF/, "") : raw;
    if (line.startsWith("#")) continue; // a comment only when # is the very first character
    let pattern = line.trim();
    if (pattern === "") continue;
    const exception = pattern.startsWith("!");
    if (exception) pattern = pattern.slice(1).trim();
    if (pattern !== "") pattern = clean(pattern);
    out.push(exception ? `!${pattern}` : pattern);
  }
  return out;
}

/** filepath.Clean, then relative to the context root (a leading `/` means the root). */
function clean(pattern: string): string {
  let p = posix.normalize(pattern);
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  if (p.length > 1 && p.startsWith("/")) p = p.slice(1);
  return p;
}

function compile(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++; // `**/` is the same as `**`
        re += i + 1 >= pattern.length ? ".*" : "(?:.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) re += "\\\\";
      else {
        re += escapeChar(next);
        i++;
      }
    } else if (ch === "[" || ch === "]") {
      re += ch; // a character class, as in filepath.Match
    } else {
      re += escapeChar(ch);
    }
  }
  return new RegExp(`${re}$`);
}

function escapeChar(ch: string): string {
  return /[.+()|{}$^*?\\[\]]/.test(ch) ? `\\${ch}` : ch;
}

export function dockerignoreMatcher(lines: readonly string[]): IgnoreMatcher {
  const patterns: Pattern[] = [];
  for (const line of lines) {
    const exception = line.startsWith("!");
    const text = exception ? line.slice(1) : line;
    if (text === "") throw new SyntaxError('illegal exclusion pattern: "!"');
    patterns.push({ text, exception, regexp: compile(text) });
  }
  const hasExceptions = patterns.some((p) => p.exception);

  const ignores = (path: string): boolean => {
    const dirs = path.split("/").slice(0, -1);
    let matched = false;
    for (const pattern of patterns) {
      // an include pattern cannot change an already-excluded path, nor an exception a kept one
      if (pattern.exception !== matched) continue;
      let match = pattern.regexp.test(path);
      for (let i = 1; !match && i <= dirs.length; i++) match = pattern.regexp.test(dirs.slice(0, i).join("/"));
      if (match) matched = !pattern.exception;
    }
    return matched;
  };

  return {
    patterns: lines,
    ignores,
    skipsDirectory: (dir) => {
      if (!ignores(dir)) return false;
      if (!hasExceptions) return true;
      const prefix = `${dir}/`;
      return !patterns.some((p) => p.exception && `${p.text}/`.startsWith(prefix));
    },
  };
}
