import { describe, expect, test } from "bun:test";
import { markdownSummary, runDocument } from "../../cli/report/document.ts";
import type { PlanView } from "../../cli/plan-view.ts";
import type { RunResult } from "../../scores/runner.ts";

const DIGEST = `sha256:${"b".repeat(64)}`;
const plan: PlanView = {
  tag: "web-v1.0.0",
  app: "web",
  version: "1.0.0",
  topology: { name: "ci", reason: "detected CI", adapters: { containerBuilder: "docker", ociRegistry: "registry", helmRegistry: "registry", continuousDelivery: "helm" } },
  image: "127.0.0.1:5000/web:1.0.0",
  chart: { name: "web", location: "oci://127.0.0.1:5000/charts/web:1.0.0" },
  steps: [],
  targets: [{ name: "staging", namespace: "s", release: "web" }],
};
const published = {
  image: { ref: { registry: "127.0.0.1:5000", repository: "web", tag: "1.0.0", digest: DIGEST } },
  chart: { name: "web", version: "1.0.0", location: "oci://127.0.0.1:5000/charts/web", digest: DIGEST },
};
const result: RunResult = {
  status: "failed",
  steps: [
    { name: "release", durationMs: 1234, outcome: { status: "succeeded", summary: "pushed", detail: published } },
    { name: "deploy staging", durationMs: 500, outcome: { status: "failed", summary: "ImagePullBackOff | bad" } },
  ],
  notRun: ["smoke staging"],
};

describe("run document", () => {
  const doc = runDocument(plan, result);
  test("carries the references pinned by digest and each step", () => {
    expect(doc.image).toEqual({ ref: `127.0.0.1:5000/web:1.0.0@${DIGEST}`, digest: DIGEST });
    expect(doc.chart?.digest).toBe(DIGEST);
    expect(doc.steps.map((s) => [s.name, s.status, s.durationMs])).toEqual([["release", "succeeded", 1234], ["deploy staging", "failed", 500]]);
    expect(doc.outcome).toBe("failed");
  });
  test("the Markdown summary is a table with escaped pipes and the steps not run", () => {
    const md = markdownSummary(doc);
    expect(md).toContain("### harmony ❌ web 1.0.0");
    expect(md).toContain("| ❌ deploy staging | failed | 0.5s | ImagePullBackOff \\| bad |");
    expect(md).toContain("| smoke staging | not run | | |");
    expect(md).toContain(`- image: \`127.0.0.1:5000/web:1.0.0@${DIGEST}\``);
  });
});
