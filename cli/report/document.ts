/**
 * The machine-readable record of a run: printed by --json, written by --report FILE, and the source
 * of the Markdown step summary. Secrets never enter it: it is built from outcomes and references.
 */
import { formatImageRef } from "../../capabilities/index.ts";
import type { Published } from "../../scores/pipeline-state.ts";
import type { RunResult } from "../../scores/runner.ts";
import type { PlanView } from "../plan-view.ts";

export interface RunDocument {
  readonly tag: string;
  readonly app: string;
  readonly version: string;
  readonly topology: PlanView["topology"];
  readonly outcome: "succeeded" | "failed";
  readonly image?: { readonly ref: string; readonly digest: string };
  readonly chart?: { readonly name: string; readonly version: string; readonly location: string; readonly digest: string };
  readonly targets: PlanView["targets"];
  readonly steps: readonly { name: string; status: string; durationMs: number; summary: string }[];
  readonly notRun: readonly string[];
}

function isPublished(detail: unknown): detail is Published {
  const d = detail as Partial<Published> | undefined;
  return typeof d?.image?.ref?.digest === "string" && typeof d?.chart?.location === "string";
}

export function runDocument(plan: PlanView, result: RunResult): RunDocument {
  const published = result.steps.map((s) => s.outcome.detail).find(isPublished);
  return {
    tag: plan.tag,
    app: plan.app,
    version: plan.version,
    topology: plan.topology,
    outcome: result.status,
    ...(published && {
      image: { ref: formatImageRef(published.image.ref), digest: published.image.ref.digest },
      chart: { name: published.chart.name, version: published.chart.version, location: published.chart.location, digest: published.chart.digest },
    }),
    targets: plan.targets,
    steps: result.steps.map((s) => ({ name: s.name, status: s.outcome.status, durationMs: Math.round(s.durationMs), summary: s.outcome.summary })),
    notRun: result.notRun,
  };
}

const ICON = { succeeded: "✅", skipped: "⏭️", failed: "❌" } as Record<string, string>;

/** The Markdown appended to $GITHUB_STEP_SUMMARY (GitHub and Gitea Actions render it on the run page). */
export function markdownSummary(doc: RunDocument): string {
  const rows = doc.steps.map((s) => `| ${ICON[s.status] ?? ""} ${s.name} | ${s.status} | ${(s.durationMs / 1000).toFixed(1)}s | ${s.summary.replaceAll("|", "\\|")} |`);
  const notRun = doc.notRun.map((n) => `| ${n} | not run | | |`);
  return [
    `### harmony ${doc.outcome === "succeeded" ? "✅" : "❌"} ${doc.app} ${doc.version}`,
    "",
    `Topology \`${doc.topology.name}\` (${doc.topology.reason}).`,
    ...(doc.image ? ["", `- image: \`${doc.image.ref}\``] : []),
    ...(doc.chart ? [`- chart: \`${doc.chart.location}\` ${doc.chart.version} (\`${doc.chart.digest}\`)`] : []),
    "",
    "| step | result | time | detail |",
    "|---|---|---|---|",
    ...rows,
    ...notRun,
    "",
  ].join("\n");
}
