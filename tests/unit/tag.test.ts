import { describe, expect, test } from "bun:test";
import { HarmonyError } from "../../capabilities/index.ts";
import { ambiguousNames, isStrictSemver, parseReleaseTag, tagFromCiEnv } from "../../cli/tag.ts";

const NAMES = ["fleet", "fleet-operator", "fleet-operator-api", "web"];

// [tag, app, version]
const VALID: [string, string, string][] = [
  ["fleet-operator-v1.4.0", "fleet-operator", "1.4.0"],
  ["fleet-operator-api-v1.4.0", "fleet-operator-api", "1.4.0"],
  ["fleet-v0.0.0", "fleet", "0.0.0"],
  ["web-v10.20.30", "web", "10.20.30"],
  ["refs/tags/web-v1.0.0", "web", "1.0.0"],
  ["web-v1.0.0-alpha", "web", "1.0.0-alpha"],
  ["web-v1.0.0-alpha.1", "web", "1.0.0-alpha.1"],
  ["web-v1.0.0-0.3.7", "web", "1.0.0-0.3.7"],
  ["web-v1.0.0-x.7.z.92", "web", "1.0.0-x.7.z.92"],
  ["web-v1.0.0-x-y-z.--", "web", "1.0.0-x-y-z.--"],
  ["web-v1.0.0+20130313144700", "web", "1.0.0+20130313144700"],
  ["web-v1.0.0-beta+exp.sha.5114f85", "web", "1.0.0-beta+exp.sha.5114f85"],
  ["web-v1.0.0+21AF26D3----117B344092BD", "web", "1.0.0+21AF26D3----117B344092BD"],
  ["fleet-operator-v2.0.0-rc.1+build.7", "fleet-operator", "2.0.0-rc.1+build.7"],
  ["fleet-operator-api-v0.1.0-rc.1", "fleet-operator-api", "0.1.0-rc.1"],
  ["web-v1.2.3-0A.is.legal", "web", "1.2.3-0A.is.legal"],
  ["web-v99999999999.0.0", "web", "99999999999.0.0"],
];

// [tag, message fragment]
const INVALID: [string, string][] = [
  ["", "not of the form"],
  ["web", "not of the form"],
  ["web-1.0.0", "not of the form"],
  ["web-v", "not a SemVer"],
  ["web-v1", "not a SemVer"],
  ["web-v1.0", "not a SemVer"],
  ["web-v1.0.0.0", "not a SemVer"],
  ["web-v01.0.0", "not a SemVer"],
  ["web-v1.02.0", "not a SemVer"],
  ["web-v1.0.0-01", "not a SemVer"],
  ["web-vv1.0.0", "not a SemVer"],
  ["web-v1.0.0-", "not a SemVer"],
  ["web-v1.0.0+", "not a SemVer"],
  ["web-v1.0.0-alpha..1", "not a SemVer"],
  ["web-v1.0.0 ", "not a SemVer"],
  ["web-v=1.0.0", "not a SemVer"],
  ["api-v1.0.0", "names no known app"],
  ["fleet-operater-v1.0.0", "names no known app"],
  ["Web-v1.0.0", "names no known app"],
  ["refs/heads/web-v1.0.0", "names no known app"],
];

describe("parseReleaseTag", () => {
  test.each(VALID)("%s → %s %s", (tag, app, version) => {
    const parsed = parseReleaseTag(tag, NAMES);
    expect(parsed.app).toBe(app);
    expect(parsed.version).toBe(version);
    expect(parsed.tag).toBe(tag.replace(/^refs\/tags\//, ""));
  });

  test.each(INVALID)("%p is rejected", (tag, fragment) => {
    let error: unknown;
    try {
      parseReleaseTag(tag, NAMES);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HarmonyError);
    expect((error as HarmonyError).kind).toBe("usage");
    expect((error as HarmonyError).message).toContain(fragment);
  });

  test("the table covers at least 30 tags", () => {
    expect(VALID.length + INVALID.length).toBeGreaterThanOrEqual(30);
  });

  test("an unknown name lists the known names and suggests the closest", () => {
    try {
      parseReleaseTag("fleet-operater-v1.0.0", NAMES);
      throw new Error("not rejected");
    } catch (e) {
      expect((e as HarmonyError).hint).toContain("did you mean fleet-operator?");
      expect((e as HarmonyError).hint).toContain("known names: fleet, fleet-operator, fleet-operator-api, web");
    }
  });
});

describe("isStrictSemver", () => {
  test("accepts SemVer 2.0.0 and nothing looser", () => {
    expect(isStrictSemver("1.2.3-rc.1+b.2")).toBe(true);
    expect(isStrictSemver("v1.2.3")).toBe(false);
    expect(isStrictSemver(" 1.2.3")).toBe(false);
    expect(isStrictSemver("1.2")).toBe(false);
  });
});

describe("ambiguousNames", () => {
  test("DNS-label names that extend another never both match one tag", () => {
    expect(ambiguousNames(NAMES)).toEqual([]);
    expect(ambiguousNames(["app", "app-vpn"])).toEqual([]);
  });
  test("names whose remainder reads as a version are ambiguous", () => {
    expect(ambiguousNames(["app", "app-v1.2.3"])).toEqual([["app", "app-v1.2.3"]]);
    expect(parseReleaseTag("app-v1.2.3-v1.0.0", ["app", "app-v1.2.3"]).app).toBe("app-v1.2.3");
  });
});

describe("tagFromCiEnv", () => {
  test("GitHub and Gitea on a tag build", () => {
    expect(tagFromCiEnv({ GITHUB_REF_TYPE: "tag", GITHUB_REF_NAME: "web-v1.0.0" })).toBe("web-v1.0.0");
    expect(tagFromCiEnv({ GITHUB_REF: "refs/tags/web-v1.0.0" })).toBe("web-v1.0.0");
  });
  test("GitLab", () => expect(tagFromCiEnv({ CI_COMMIT_TAG: "web-v2.0.0" })).toBe("web-v2.0.0"));
  test("a branch build has no tag", () => {
    expect(tagFromCiEnv({ GITHUB_REF_TYPE: "branch", GITHUB_REF_NAME: "main", GITHUB_REF: "refs/heads/main" })).toBeUndefined();
  });
});
