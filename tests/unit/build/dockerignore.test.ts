/** .dockerignore with Docker's semantics: cleaning, `*`/`?`/`**`, parents, `!` exceptions in order. */
import { describe, expect, test } from "bun:test";
import { dockerignoreMatcher, parseDockerignore } from "../../../scores/content-key/dockerignore.ts";

const matcher = (text: string) => dockerignoreMatcher(parseDockerignore(text));

describe("parseDockerignore", () => {
  test("drops comments and blanks, cleans patterns, makes them relative", () => {
    expect(parseDockerignore("\uFEFF# comment\n\n  node_modules/  \n/dist\n./a/../b\n! keep.txt\n #not a comment\r\n")).toEqual([
      "node_modules",
      "dist",
      "b",
      "!keep.txt",
      "#not a comment",
    ]);
  });
});

describe("matching", () => {
  test("a plain name matches at the root only, and everything below a matched directory", () => {
    const m = matcher("node_modules\n");
    expect(m.ignores("node_modules")).toBe(true);
    expect(m.ignores("node_modules/a/b.js")).toBe(true);
    expect(m.ignores("src/node_modules/x.js")).toBe(false);
  });

  test("* and ? stop at a slash", () => {
    const m = matcher("*.log\nsrc/?.ts\n");
    expect(m.ignores("a.log")).toBe(true);
    expect(m.ignores("logs/a.log")).toBe(false);
    expect(m.ignores("src/a.ts")).toBe(true);
    expect(m.ignores("src/ab.ts")).toBe(false);
  });

  test("** spans any number of directories, none included", () => {
    const m = matcher("**/*.tmp\nbuild/**\ndocs/**/draft.md\n");
    expect(m.ignores("x.tmp")).toBe(true);
    expect(m.ignores("a/b/c/x.tmp")).toBe(true);
    expect(m.ignores("build/out/x")).toBe(true);
    expect(m.ignores("build")).toBe(false); // build/** needs something below build
    expect(m.ignores("docs/draft.md")).toBe(true);
    expect(m.ignores("docs/a/b/draft.md")).toBe(true);
    expect(m.ignores("docs/a/final.md")).toBe(false);
  });

  test("later patterns win; ! re-includes what an earlier pattern excluded", () => {
    const m = matcher("*.md\n!README.md\nREADME*\n");
    expect(m.ignores("CHANGES.md")).toBe(true);
    expect(m.ignores("README.md")).toBe(true); // README* comes last
    const n = matcher("*.md\n!README.md\n");
    expect(n.ignores("README.md")).toBe(false);
  });

  test("an exception inside an excluded directory", () => {
    const m = matcher("vendor\n!vendor/keep\n");
    expect(m.ignores("vendor/drop/x")).toBe(true);
    expect(m.ignores("vendor/keep")).toBe(false);
    expect(m.ignores("vendor/keep/x")).toBe(false);
    expect(m.skipsDirectory("vendor")).toBe(false); // must be entered to find vendor/keep
    expect(matcher("vendor\n").skipsDirectory("vendor")).toBe(true);
  });

  test("character classes, escapes and regexp metacharacters", () => {
    const m = matcher("[ab].txt\nfile\\*.c\na+b(c).txt\n");
    expect(m.ignores("a.txt")).toBe(true);
    expect(m.ignores("c.txt")).toBe(false);
    expect(m.ignores("file*.c")).toBe(true);
    expect(m.ignores("filex.c")).toBe(false);
    expect(m.ignores("a+b(c).txt")).toBe(true);
    expect(m.ignores("aab(c).txt")).toBe(false);
  });

  test("a lone ! is refused as Docker refuses it", () => {
    expect(() => matcher("!\n")).toThrow('illegal exclusion pattern: "!"');
  });
});
