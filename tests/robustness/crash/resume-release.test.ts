/**
 * The state a run killed between its image push and its chart push leaves, with capabilities
 * passed in as values: the re-run publishes the chart for the image already under the version
 * tag. It never builds again, which would move the tag to a second image (the crash matrix shows
 * the untagged first one this used to leave in the real registry).
 */
import { expect, test } from "bun:test";
import { recordingReporter, type ImageRef } from "../../../capabilities/index.ts";
import type { AppSpec } from "../../../scores/app-spec.ts";
import type { PipelineState } from "../../../scores/pipeline-state.ts";
import { releaseScore } from "../../../scores/release.ts";

const DIGEST = `sha256:${"d".repeat(64)}`;
const app: AppSpec = {
  name: "web",
  projectRoot: "/src",
  image: { kind: "dockerfile", dockerfile: "/src/Dockerfile", context: "/src", buildArgs: {}, platforms: [] },
  chart: { kind: "directory", path: "/src/chart" },
  smoke: [],
  values: {},
};

test("image pushed, chart not: the re-run publishes the chart for that image and builds nothing", async () => {
  const log: string[] = [];
  const images = new Map([["1.2.0", DIGEST]]);
  const caps = {
    containerBuilder: { adapter: "fake", build: async () => (log.push("build"), { kind: "daemon" as const, imageId: "id" }) },
    ociRegistry: {
      adapter: "fake",
      repositoryFor: (name: string): ImageRef => ({ registry: "127.0.0.1:5000", repository: `apps/${name}` }),
      push: async (_: unknown, to: ImageRef) => (log.push(`push ${to.tag}`), { ref: { ...to, digest: DIGEST } }),
      resolve: async (ref: ImageRef) => images.get(ref.tag!),
    },
    helmRegistry: {
      adapter: "fake",
      push: async (p: { name: string; version: string }) => (log.push(`push chart ${p.version}`), { name: p.name, version: p.version, location: "oci://127.0.0.1:5000/charts/web", digest: DIGEST }),
      resolve: async () => undefined,
    },
  };
  const pinned: string[] = [];
  const prep = {
    buildContext: async () => {
      throw new Error("the build context is not needed: nothing is built");
    },
    packageChart: async (_a: AppSpec, version: string, image: { ref: ImageRef }) => (pinned.push(image.ref.digest!), { name: "web", version, archivePath: "/tmp/web.tgz" }),
  };
  const state: PipelineState = {};
  const reporter = recordingReporter();
  const outcome = await releaseScore(app, "1.2.0", "web", prep, state).run(caps, { reporter, signal: new AbortController().signal });
  expect(outcome.status).toBe("succeeded");
  expect(outcome.summary).toStartWith("image already published, chart pushed: 127.0.0.1:5000/apps/web:1.2.0@sha256:ddd");
  expect(log).toEqual(["push chart 1.2.0"]);
  expect(pinned).toEqual([DIGEST]);
  expect(state.published?.image.ref.digest).toBe(DIGEST);
  expect(reporter.lines).toContain("info: 127.0.0.1:5000/apps/web:1.2.0@sha256:" + "d".repeat(64) + " is already published; publishing its chart");
});
