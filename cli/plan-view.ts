/**
 * The plan of a release, from configuration alone: the steps, every resolved image and chart
 * reference, and which adapter provides each capability. Shared by `plan` and `release --dry-run`.
 */
import { buildPipeline, pipelineTargets, type PipelineOptions } from "../scores/pipeline.ts";
import { chartNameOf } from "../scores/chart-name.ts";
import { targetFor } from "../scores/targets.ts";
import type { CapabilityName } from "../scores/score.ts";
import { effectiveConfig } from "../topologies/defaults.ts";
import { adapterNames, chartLocation, imageLocation } from "../topologies/describe.ts";
import type { TopologyChoice } from "../topologies/select.ts";
import type { Manifest } from "./manifest/load.ts";
import type { ReleaseTag } from "./tag.ts";

export interface PlanView {
  readonly tag: string;
  readonly app: string;
  readonly version: string;
  readonly topology: { readonly name: string; readonly reason: string; readonly adapters: Record<CapabilityName, string | undefined> };
  readonly image: string;
  readonly chart: { readonly name: string; readonly location: string };
  readonly steps: readonly { readonly name: string; readonly needs: readonly CapabilityName[] }[];
  readonly targets: readonly { readonly name: string; readonly namespace: string; readonly release: string }[];
}

const unusedPrep = {
  buildContext: () => Promise.reject(new Error("plan only")),
  packageChart: () => Promise.reject(new Error("plan only")),
};
const unusedSmoke = { run: () => Promise.reject(new Error("plan only")) };

export function planView(manifest: Manifest, tag: ReleaseTag, choice: TopologyChoice, options: PipelineOptions): PlanView {
  const app = manifest.apps.find((a) => a.name === tag.app)!;
  const config = effectiveConfig(choice.name, manifest.topologies[choice.name]);
  const chartName = chartNameOf(app);
  // The very list `release` runs, built but not run, so the plan cannot drift from the pipeline.
  const scores = buildPipeline(
    { app, version: tag.version, chartName, targets: manifest.targets, prep: unusedPrep, smoke: unusedSmoke },
    options,
  );
  return {
    tag: tag.tag,
    app: app.name,
    version: tag.version,
    topology: { name: choice.name, reason: choice.reason, adapters: adapterNames(config) },
    image: imageLocation(config.ociRegistry, app.name, tag.version),
    chart: { name: chartName, location: chartLocation(config.helmRegistry, chartName, tag.version) },
    steps: scores.map((s) => ({ name: s.name, needs: s.needs })),
    targets: pipelineTargets(options).map((name) => {
      const t = targetFor(app.name, manifest.targets[name]!);
      return { name, namespace: t.namespace, release: t.releaseName };
    }),
  };
}

export function planLines(plan: PlanView): string[] {
  const adapters = Object.entries(plan.topology.adapters).map(([cap, a]) => `    ${cap.padEnd(20)} ${a ?? "(none)"}`);
  return [
    `${plan.app} ${plan.version}  (tag ${plan.tag})`,
    `  topology ${plan.topology.name} (${plan.topology.reason})`,
    ...adapters,
    `  image  ${plan.image}`,
    `  chart  ${plan.chart.location}`,
    "  steps",
    ...plan.steps.map((s, i) => `    ${i + 1}. ${s.name.padEnd(18)} needs ${s.needs.join(", ")}`),
    ...plan.targets.map((t) => `  target ${t.name}: release ${t.release} in namespace ${t.namespace}`),
  ];
}
