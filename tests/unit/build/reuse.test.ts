/** The build-or-reuse decision, with an in-memory registry and key history passed in as values. */
import { describe, expect, test } from "bun:test";
import { formatImageRef, recordingReporter, type ImageArtifact, type ImageRef, type WorkContext } from "../../../capabilities/index.ts";
import { cacheTagFor, decideBuild, recordBuild, type ContentKey, type KeyHistory } from "../../../scores/content-key/index.ts";

const REPO: ImageRef = { registry: "127.0.0.1:5000", repository: "team/web" };
const hex = (c: string) => c.repeat(64);
const keyOf = (c: string, files: Record<string, string> = {}): ContentKey => ({
  key: `sha256:${hex(c)}`,
  inputs: { builder: "docker", kind: "dockerfile", dockerfile: "d", buildArgs: {}, platforms: [], labels: {} },
  files,
});

function fakes() {
  const tags = new Map<string, string>();
  const pushes: { artifact: ImageArtifact; to: string }[] = [];
  const remembered = new Map<string, ContentKey>();
  const registry = {
    resolve: async (ref: ImageRef) => tags.get(formatImageRef(ref)),
    push: async (artifact: ImageArtifact, to: ImageRef) => {
      pushes.push({ artifact, to: formatImageRef(to) });
      const digest = artifact.kind === "daemon" ? `sha256:${hex("f")}` : artifact.digest;
      tags.set(formatImageRef(to), digest);
      return { ref: { ...to, digest } };
    },
  };
  const history: KeyHistory = {
    last: async (repo) => remembered.get(formatImageRef(repo)),
    remember: async (repo, key) => void remembered.set(formatImageRef(repo), key),
  };
  const reporter = recordingReporter();
  const work: WorkContext = { reporter, signal: new AbortController().signal };
  return { tags, pushes, registry, history, work, reporter };
}

describe("cacheTagFor", () => {
  test("is cache-<hex>, a valid OCI tag", () => {
    expect(cacheTagFor(`sha256:${hex("a")}`)).toBe(`cache-${hex("a")}`);
    expect(cacheTagFor(`sha256:${hex("a")}`).length).toBeLessThanOrEqual(128);
    expect(() => cacheTagFor("sha256:nothex")).toThrow(RangeError);
  });
});

describe("decideBuild and recordBuild", () => {
  test("first release builds, second release of the same content re-tags", async () => {
    const f = fakes();
    const key = keyOf("a", { "src/a.ts": "644:1" });
    const first = await decideBuild({ key, repository: REPO, registry: f.registry, history: f.history }, f.work);
    expect(first).toMatchObject({ action: "build", reasons: ["no previous build recorded for this image"], cacheFrom: [] });
    if (first.action !== "build") throw new Error("unreachable");
    expect(formatImageRef(first.cacheRef)).toBe(`127.0.0.1:5000/team/web:cache-${hex("a")}`);

    // the lead's score builds and pushes the version tag, then records
    const published = await f.registry.push({ kind: "daemon", imageId: "sha256:x" }, { ...REPO, tag: "1.0.0" });
    await recordBuild({ key, decision: first, published, registry: f.registry, history: f.history }, f.work);
    expect(f.pushes.at(-1)).toEqual({ artifact: { kind: "registry", ref: published.ref, digest: published.ref.digest }, to: formatImageRef(first.cacheRef) });

    const second = await decideBuild({ key, repository: REPO, registry: f.registry, history: f.history }, f.work);
    expect(second).toMatchObject({ action: "reuse", image: { ...first.cacheRef, digest: published.ref.digest } });
    expect(second.action === "reuse" && second.artifact).toEqual({ kind: "registry", ref: first.cacheRef, digest: published.ref.digest });
    expect(f.reporter.lines.at(-1)).toContain("re-using");
  });

  test("a changed file is named in the reason", async () => {
    const f = fakes();
    const before = keyOf("a", { "src/a.ts": "644:1", "src/b.ts": "644:1" });
    await f.history.remember(REPO, before, f.work);
    const after = keyOf("b", { "src/a.ts": "644:2", "src/b.ts": "644:1" });
    const decision = await decideBuild({ key: after, repository: REPO, registry: f.registry, history: f.history }, f.work);
    expect(decision).toMatchObject({ action: "build", reasons: ["src/a.ts changed"], cacheFrom: [{ ...REPO, tag: `cache-${hex("a")}` }] });
    expect(f.reporter.lines).toContain(`info: building 127.0.0.1:5000/team/web (key ${"b".repeat(12)}): src/a.ts changed`);
  });

  test("an unreadable history only costs the explanation", async () => {
    const f = fakes();
    const broken: KeyHistory = { last: async () => { throw new Error("registry said 500"); }, remember: async () => { throw new Error("registry said 500"); } };
    const decision = await decideBuild({ key: keyOf("c"), repository: REPO, registry: f.registry, history: broken }, f.work);
    expect(decision).toMatchObject({ action: "build", reasons: ["no previous build recorded for this image"] });
    expect(f.reporter.lines.some((l) => l.startsWith("warn: could not read the previous build's key: registry said 500"))).toBe(true);
    if (decision.action !== "build") throw new Error("unreachable");
    const published = { ref: { ...REPO, tag: "1", digest: `sha256:${hex("e")}` } };
    await recordBuild({ key: keyOf("c"), decision, published, registry: f.registry, history: broken }, f.work);
    expect(f.tags.get(formatImageRef(decision.cacheRef))).toBe(`sha256:${hex("e")}`);
    expect(f.reporter.lines.some((l) => l.startsWith("warn: could not record this build's key"))).toBe(true);
  });
});
