// Go's filepath.Match, which .helmignore patterns use; cases follow Go's own match_test.go semantics.
import { describe, expect, test } from "bun:test";
import { BadPatternError, globMatch } from "../../../scores/chart/glob.ts";

describe("globMatch (Go filepath.Match)", () => {
  const cases: [string, string, boolean][] = [
    ["abc", "abc", true],
    ["*", "abc", true],
    ["*c", "abc", true],
    ["a*", "a", true],
    ["a*", "ab/c", false], // * never crosses a separator
    ["a*/b", "abc/b", true],
    ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
    ["a*b?c*x", "abxbbxdbxebxczzx", true],
    ["a?b", "a/b", false],
    ["ab[c]", "abc", true],
    ["ab[b-d]", "abc", true],
    ["ab[e-g]", "abc", false],
    ["ab[^c]", "abc", false],
    ["ab[^b-d]", "abe", true],
    ["a[^x]b", "a/b", true], // a negated class does match a separator in Go
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["[\\]a]", "]", true],
    ["[\\-]", "-", true],
    ["[x\\-]", "z", false],
    ["[z-a]", "m", false], // an inverted range never matches, without an error
    ["*.txt", "notes.txt", true],
    ["*.txt", "notes.txt.bak", false],
    ["día?", "días", true],
  ];
  for (const [pattern, name, expected] of cases) {
    test(`${pattern} ~ ${name} → ${expected}`, () => expect(globMatch(pattern, name)).toBe(expected));
  }

  for (const bad of ["[", "[^", "[]a]", "[a-", "[-]", "a\\", "[\\", "[x-]"]) {
    test(`"${bad}" is a bad pattern`, () => expect(() => globMatch(bad, "abc")).toThrow(BadPatternError));
  }
});
