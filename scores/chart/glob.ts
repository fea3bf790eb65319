/**
 * Go's `path/filepath.Match` (Unix flavour), which is what `.helmignore` patterns are evaluated with:
 * `*` and `?` never cross `/`, classes use `[^…]` for negation, `\` escapes, and a malformed pattern
 * is an error rather than a pattern that silently never matches.
 */

export class BadPatternError extends Error {
  constructor(pattern: string, why: string) {
    super(`bad pattern "${pattern}": ${why}`);
  }
}

/** `\u{…}` for any code point, so nothing in the pattern can change the meaning of the RegExp. */
function literal(char: string): string {
  return `\\u{${char.codePointAt(0)!.toString(16)}}`;
}

/** One class member as Go's getEsc reads it; `-` and `]` must be escaped to be literal. */
function classChar(chars: readonly string[], i: number, pattern: string): [string, number] {
  let c = chars[i];
  if (c === undefined || c === "-" || c === "]") throw new BadPatternError(pattern, "malformed character class");
  if (c === "\\") {
    i += 1;
    c = chars[i];
    if (c === undefined) throw new BadPatternError(pattern, "trailing backslash in character class");
  }
  if (chars[i + 1] === undefined) throw new BadPatternError(pattern, "unterminated character class");
  return [c, i + 1];
}

/** Parses `[...]` starting after the `[`; returns the RegExp class and the index after `]`. */
function characterClass(chars: readonly string[], start: number, pattern: string): [string, number] {
  let i = start;
  const negated = chars[i] === "^";
  if (negated) i += 1;
  const ranges: string[] = [];
  let count = 0;
  for (;;) {
    if (chars[i] === "]" && count > 0) return [`[${negated ? "^" : ""}${ranges.join("")}]`, i + 1];
    let lo: string;
    [lo, i] = classChar(chars, i, pattern);
    let hi = lo;
    if (chars[i] === "-") [hi, i] = classChar(chars, i + 1, pattern);
    // Go accepts an inverted range and simply never matches it; a RegExp would throw.
    if (lo.codePointAt(0)! <= hi.codePointAt(0)!) ranges.push(lo === hi ? literal(lo) : `${literal(lo)}-${literal(hi)}`);
    count += 1;
  }
}

/** Compiles a pattern once; throws BadPatternError for what Go reports as ErrBadPattern. */
export function compileGlob(pattern: string): RegExp {
  const chars = Array.from(pattern);
  let source = "";
  for (let i = 0; i < chars.length; ) {
    const c = chars[i]!;
    if (c === "*") {
      source += "[^/]*";
      i += 1;
    } else if (c === "?") {
      source += "[^/]";
      i += 1;
    } else if (c === "[") {
      const [cls, next] = characterClass(chars, i + 1, pattern);
      source += cls;
      i = next;
    } else if (c === "\\") {
      const escaped = chars[i + 1];
      if (escaped === undefined) throw new BadPatternError(pattern, "trailing backslash");
      source += literal(escaped);
      i += 2;
    } else {
      source += literal(c);
      i += 1;
    }
  }
  return new RegExp(`^${source}$`, "u");
}

/** filepath.Match(pattern, name) */
export function globMatch(pattern: string, name: string): boolean {
  return compileGlob(pattern).test(name);
}
