import { expect, test } from "bun:test";
import { readHeader, renderFile, stateOf, withRevision } from "../../../topologies/adapters/continuous-delivery/rendered-file.ts";

const header = { app: "web", version: "1.2.0+build.7", target: "production", chart: "oci://r/charts/web@sha256:ab", chartVersion: "1.2.0+build.7", revision: 4 };

test("a rendered file carries what it is in a header that reads back", () => {
  const text = renderFile(header, "---\nkind: Deployment\n");
  expect(text.split("\n").slice(0, 3)).toEqual([
    "# Rendered by harmony (helm template): do not edit, the next deploy replaces this file.",
    "# harmony.app: web",
    "# harmony.version: 1.2.0+build.7",
  ]);
  expect(text.endsWith("---\nkind: Deployment\n")).toBe(true);
  expect(readHeader(text)).toEqual(header);
  expect(stateOf(header)).toEqual({ revision: 4, chartVersion: "1.2.0+build.7", status: "deployed" });
  expect(readHeader(withRevision(text, 9))?.revision).toBe(9);
});

test("a file without the header (written by hand) is not mistaken for a render", () => {
  expect(readHeader("# just a comment\nkind: Deployment\n")).toBeUndefined();
  expect(readHeader("")).toBeUndefined();
});
