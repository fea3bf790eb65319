import { describe, expect, test } from "bun:test";
import { formatImageRef, parseImageRef, tagForVersion } from "../../capabilities/image-ref.ts";

const D = `sha256:${"a".repeat(64)}`;

// [input, canonical form]
const VALID: [string, string][] = [
  ["busybox", "docker.io/library/busybox"],
  ["busybox:1.36", "docker.io/library/busybox:1.36"],
  ["library/busybox", "docker.io/library/busybox"],
  ["team/app", "docker.io/team/app"],
  ["docker.io/busybox", "docker.io/library/busybox"],
  ["index.docker.io/team/app:1", "docker.io/team/app:1"],
  ["127.0.0.1:5000/team/app:1.0.0", "127.0.0.1:5000/team/app:1.0.0"],
  ["localhost/app", "localhost/app"],
  ["localhost:5000/app@" + D, "localhost:5000/app@" + D],
  ["registry.example.com/a/b/c:v1@" + D, "registry.example.com/a/b/c:v1@" + D],
  ["ghcr.io/org/app:1.0.0-rc.1_build.5", "ghcr.io/org/app:1.0.0-rc.1_build.5"],
  ["[::1]:5000/app:1", "[::1]:5000/app:1"],
  ["reg.io/a__b/c-d/e.f:tag", "reg.io/a__b/c-d/e.f:tag"],
];

const INVALID: [string, string][] = [
  ["", "empty"],
  ["UPPER/app", "lowercase"],
  ["127.0.0.1:5000/App", "lowercase"],
  ["app:1.0.0+build", 'contains "+"'],
  ["app:", "malformed tag"],
  ["app:-x", "malformed tag"],
  ["app@sha256:abc", "malformed digest"],
  [`app@sha256:${"A".repeat(64)}`, "64 lowercase hex"],
  ["reg.io:port/app", "malformed registry"],
  ["reg.io/", "missing repository"],
  ["reg.io/a//b", "malformed path component"],
  ["has space", "whitespace"],
  ["-app", "malformed path component"],
];

describe("ImageRef", () => {
  test.each(VALID)("%s", (input, canonical) => {
    expect(formatImageRef(parseImageRef(input))).toBe(canonical);
    expect(formatImageRef(parseImageRef(canonical))).toBe(canonical);
  });
  test.each(INVALID)("%p is rejected", (input, fragment) => {
    expect(() => parseImageRef(input)).toThrow(fragment);
  });
  test("parts", () => {
    expect(parseImageRef("127.0.0.1:5000/team/app:1@" + D)).toEqual({ registry: "127.0.0.1:5000", repository: "team/app", tag: "1", digest: D });
  });
  test("build metadata maps + to _ (as helm does)", () => {
    expect(tagForVersion("1.0.0-rc.1+build.5")).toBe("1.0.0-rc.1_build.5");
    expect(parseImageRef(`app:${tagForVersion("1.0.0+b")}`).tag).toBe("1.0.0_b");
  });
});
