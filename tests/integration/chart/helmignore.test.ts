// .helmignore parity: the same chart directories packaged by us and by the real helm 3.17 and 4.1
// hold the same files in the same order — including helm's surprising negation rule — and where
// helm refuses a chart, so do we.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HarmonyError } from "../../../capabilities/index.ts";
import { packageChartDirectory, writeChartPackage } from "../../../scores/chart/package.ts";
import { world } from "../../world/index.ts";
import { helmMayFail, helmPackageEntries, MAJORS, tarList } from "./helm-cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "harmony-helmignore-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every case starts from the same tree; only .helmignore (and links) differ. */
const TREE = [
  "Chart.yaml",
  "values.yaml",
  "README.md",
  "notes.txt",
  "*star.txt",
  "a.bak",
  "templates/deployment.yaml",
  "templates/.hidden",
  "templates/sub/.hidden",
  "templates/ci/extra.yaml",
  "docs/guide.md",
  "docs/notes.txt",
  "docs/x/deep.md",
  "ci/values.yaml",
  "x/docs/other.md",
  // over tar's 100-byte name field, and not ASCII: a PAX record in both archives
  `templates/${"nested-directory-with-a-long-name/".repeat(3)}config-map-ünïcode.yaml`,
];

function chart(name: string, helmignore: string, links: [string, string][] = []): string {
  const dir = join(scratch, name);
  for (const file of TREE) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), file === "Chart.yaml" ? `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n` : `# ${file}\n`);
  }
  for (const [link, target] of links) symlinkSync(target, join(dir, link));
  writeFileSync(join(dir, ".helmignore"), helmignore);
  return dir;
}

const CASES: [string, string, [string, string][]?][] = [
  ["basenames", "# comment\n  *.bak  \nnotes.txt\n"],
  ["anchored", "/notes.txt\n/docs/\n"],
  ["directories", "ci/\ndocs/x/\n"],
  ["paths", "docs/*.md\ntemplates/*/extra.yaml\n"],
  ["classes", "[a-c].bak\nREADME.[^x]d\ndocs[^x]guide.md\n"],
  ["escapes", "\\*star.txt\n"],
  ["several-rules", "*.md\nREADME.md\n*.txt\n"],
  ["negation", "!*.yaml\n"],
  ["negation-then-rule", "!*.y*ml\nvalues.yaml\n"],
  ["links", "", [["linked.md", "docs/guide.md"], ["docs-again", "docs"]]],
  ["links-ignored-as-dirs", "docs-again/\n", [["docs-again", "docs"]]],
];

const REFUSED: [string, string][] = [
  ["double-star", "docs/**\n"],
  ["bad-class", "[abc\n"],
  ["negated-dirs-only", "!templates/\n"], // ignores every file, Chart.yaml included
  ["gitignore-style-negation", "*.md\n!README.md\n"], // the negation ignores Chart.yaml
];

for (const major of MAJORS) {
  describe(`.helmignore like helm ${major}`, () => {
    for (const [name, rules, links] of CASES) {
      test.skipIf(!world.available("helm"))(`${name}: ${JSON.stringify(rules)}`, async () => {
        const dir = chart(`${name}-${major}`, rules, links);
        const ours = await packageChartDirectory(dir, { version: "0.1.0" });
        const theirs = await helmPackageEntries(major, dir, "0.1.0");
        expect([...ours.entries]).toEqual(theirs);
        expect(await tarList(writeChartPackage(ours, join(scratch, "ours", name, String(major))))).toEqual(theirs);
      });
    }

    for (const [name, rules] of REFUSED) {
      test.skipIf(!world.available("helm"))(`${name}: refused by helm and by us`, async () => {
        const dir = chart(`${name}-${major}`, rules);
        const helmResult = await helmMayFail(major, ["package", dir, "--destination", join(scratch, "refused")]);
        expect(helmResult.code).not.toBe(0);
        const ours = await packageChartDirectory(dir, { version: "0.1.0" }).then(() => undefined, (e: unknown) => e);
        expect(ours).toBeInstanceOf(HarmonyError);
        expect((ours as HarmonyError).kind).toBe("config");
      });
    }
  });
}
