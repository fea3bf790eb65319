/**
 * The release after its inputs were checked: create the adapters, preflight them, run the pipeline,
 * report. Loaded only once the tag and manifest are known good, so a bad tag never pays for
 * loading adapters (tests/bench/startup.ts measures that path).
 */
import { HarmonyError } from "../../capabilities/index.ts";
import { buildPipeline, type PipelineOptions } from "../../scores/pipeline.ts";
import { runChecked } from "../../scores/runner.ts";
import { CAPABILITY_NAMES } from "../../scores/score.ts";
import { createTopology } from "../../topologies/create.ts";
import { effectiveConfig } from "../../topologies/defaults.ts";
import { preflightAll } from "../../topologies/preflight.ts";
import { targetFor } from "../../scores/targets.ts";
import { releasePreparation, smokeRunner } from "../../topologies/work.ts";
import type { Output } from "../output.ts";
import type { PlanView } from "../plan-view.ts";
import { runDocument } from "../report/document.ts";
import { printRun } from "../report/steps.ts";
import { writeReports } from "../report/write.ts";
import type { ResolvedRelease } from "../resolve-release.ts";
import { workContext } from "../signals.ts";

export async function runRelease(resolved: ResolvedRelease, plan: PlanView, options: PipelineOptions, out: Output, reportFile: string | undefined): Promise<void> {
  const { manifest, tag, topology } = resolved;
  const app = manifest.apps.find((a) => a.name === tag.app)!;
  const config = effectiveConfig(topology.name, manifest.topologies[topology.name]);
  const needs = [...new Set(plan.steps.flatMap((s) => s.needs))].sort((a, b) => CAPABILITY_NAMES.indexOf(a) - CAPABILITY_NAMES.indexOf(b));
  const adapterEnv = { projectDir: manifest.dir, env: process.env };
  const live = createTopology(topology.name, config, adapterEnv, needs);
  const work = workContext(out.reporter());
  const targets = plan.targets.map((t) => targetFor(app.name, manifest.targets[t.name]!));
  const { problems } = await preflightAll(live, config.continuousDelivery?.adapter, targets, work, process.env);
  if (problems.length > 0) {
    throw new HarmonyError("config", `preflight found ${problems.length} problem${problems.length === 1 ? "" : "s"} before any build:\n  ${problems.join("\n  ")}`, {
      hint: "`harmony doctor` runs these checks on their own",
    });
  }
  const scores = buildPipeline(
    { app, version: tag.version, chartName: plan.chart.name, targets: manifest.targets, prep: releasePreparation(config, adapterEnv), smoke: smokeRunner(process.env) },
    options,
  );
  const result = await runChecked(live, scores, work, printRun(out));
  const doc = runDocument(plan, result);
  if (out.json) out.document(doc);
  await writeReports(doc, { reportFile, env: process.env, reporter: work.reporter });
  if (result.status === "failed") {
    const last = result.steps.at(-1);
    throw new HarmonyError("failed", `${tag.tag}: ${last?.name ?? "pipeline"} failed: ${last?.outcome.summary ?? "unknown"}`);
  }
  if (!out.json) out.success(`${tag.tag} released through ${plan.targets.map((t) => t.name).join(" and ")}`);
}
