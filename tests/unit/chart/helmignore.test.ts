// .helmignore rules as helm 3.17/4.1 evaluate them (the same cases run against the real helm
// binaries in tests/integration/chart/helmignore.test.ts).
import { describe, expect, test } from "bun:test";
import { HelmignoreError, isIgnored, parseHelmignore } from "../../../scores/chart/helmignore.ts";

const file = (rules: string, path: string) => isIgnored(parseHelmignore(rules), path, false);
const dir = (rules: string, path: string) => isIgnored(parseHelmignore(rules), path, true);

describe(".helmignore rules", () => {
  test("blank lines, comments and surrounding spaces are skipped; no inline comments", () => {
    const rules = "\n# *.txt\n   *.bak   \r\nkeep.me # not a comment\n";
    expect(file(rules, "a.txt")).toBe(false);
    expect(file(rules, "x/a.bak")).toBe(true);
    expect(file(rules, "keep.me")).toBe(false);
    expect(file(rules, "keep.me # not a comment")).toBe(true);
  });

  test("a pattern without a slash matches the base name at any depth", () => {
    expect(file("*.swp", "templates/.deploy.yaml.swp")).toBe(true);
    expect(file("secret.yaml", "a/b/secret.yaml")).toBe(true);
    expect(file("secret.yaml", "a/b/secret.yaml.tpl")).toBe(false);
  });

  test("a leading slash anchors to the chart root", () => {
    expect(file("/notes.txt", "notes.txt")).toBe(true);
    expect(file("/notes.txt", "docs/notes.txt")).toBe(false);
    expect(file("/*.txt", "docs/a.txt")).toBe(false);
  });

  test("a slash inside matches the whole relative path, * not crossing directories", () => {
    expect(file("docs/*.draft", "docs/a.draft")).toBe(true);
    expect(file("docs/*.draft", "docs/x/a.draft")).toBe(false);
    expect(file("docs/*.draft", "x/docs/a.draft")).toBe(false);
  });

  test("a trailing slash matches directories only", () => {
    expect(dir("ci/", "ci")).toBe(true);
    expect(dir("ci/", "templates/ci")).toBe(true);
    expect(file("ci/", "ci")).toBe(false);
  });

  test("templates/.?* is always added: dotfiles in templates/ are never packaged", () => {
    expect(file("", "templates/.gitkeep")).toBe(true);
    expect(file("", ".gitkeep")).toBe(false);
    expect(file("", "templates/sub/.hidden")).toBe(false);
  });

  test("the first matching rule decides", () => {
    expect(file("*.yaml\n!values.yaml", "values.yaml")).toBe(true);
  });

  test("a negated rule ignores every path it does not match (helm's actual behaviour)", () => {
    const rules = "!*.yaml\n*.txt";
    expect(file(rules, "Chart.yaml")).toBe(false);
    expect(file(rules, "README.md")).toBe(true);
    expect(dir(rules, "templates")).toBe(true);
    // a matching path falls through to the next rules
    expect(file("!a*.yaml\nab.yaml", "ab.yaml")).toBe(true);
    // a negated directory-only rule ignores every file
    expect(file("!templates/", "Chart.yaml")).toBe(true);
  });

  test("the chart root itself is never ignored", () => {
    expect(dir("*", "")).toBe(false);
    expect(dir("*", ".")).toBe(false);
    expect(dir("*", "templates")).toBe(true);
  });

  test("** is refused with its line number, as helm refuses it", () => {
    const error = (() => {
      try {
        parseHelmignore("# fine\n*.txt\ndocs/**/x\n");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(HelmignoreError);
    expect((error as HelmignoreError).line).toBe(3);
    expect((error as HelmignoreError).message).toContain("double-star");
  });

  test("a malformed glob is refused, even negated", () => {
    expect(() => parseHelmignore("ok\n![abc\n")).toThrow(HelmignoreError);
    expect(() => parseHelmignore("x[\\")).toThrow(/bad pattern/);
  });
});
