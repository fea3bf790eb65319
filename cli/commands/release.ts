import { defineCommand } from "citty";
import { HarmonyError } from "../../capabilities/index.ts";
import { buildPipeline } from "../../scores/pipeline.ts";
import { runChecked } from "../../scores/runner.ts";
import { CAPABILITY_NAMES } from "../../scores/score.ts";
import { createTopology } from "../../topologies/create.ts";
import { effectiveConfig } from "../../topologies/defaults.ts";
import { runPreflight } from "../../topologies/preflight.ts";
import { releasePreparation, smokeRunner } from "../../topologies/work.ts";
import { Output } from "../output.ts";
import { planLines, planView } from "../plan-view.ts";
import { writeReports } from "../report/write.ts";
import { printRun } from "../report/steps.ts";
import { runDocument } from "../report/document.ts";
import { resolveRelease } from "../resolve-release.ts";
import { workContext } from "../signals.ts";
import { globalArgs, manifestPath, tagArgs } from "./_shared.ts";
import { pipelineOptions, untilArg } from "./release-args.ts";

export default defineCommand({
  meta: { name: "release", description: "Build, publish, deploy and smoke-test the app a tag names" },
  args: {
    ...globalArgs,
    ...tagArgs,
    ...untilArg,
    promote: { type: "boolean", description: "Deploy an already published release to production (no rebuild)" },
    "dry-run": { type: "boolean", description: "Print the plan and stop" },
    report: { type: "string", description: "Also write the JSON report to FILE", valueHint: "FILE" },
  },
  run: async ({ args }) => {
    const out = new Output({ json: args.json === true, debug: args.debug === true });
    const options = pipelineOptions(args);
    const { manifest, tag, topology } = resolveRelease({ manifest: manifestPath(args.manifest), fromTag: args["from-tag"], topology: args.topology });
    const plan = planView(manifest, tag, topology, options);
    if (args["dry-run"]) {
      if (out.json) out.document({ plan, dryRun: true });
      else for (const line of planLines(plan)) out.text(line);
      return;
    }
    const app = manifest.apps.find((a) => a.name === tag.app)!;
    const config = effectiveConfig(topology.name, manifest.topologies[topology.name]);
    const needs = [...new Set(plan.steps.flatMap((s) => s.needs))].sort((a, b) => CAPABILITY_NAMES.indexOf(a) - CAPABILITY_NAMES.indexOf(b));
    const live = createTopology(topology.name, config, { projectDir: manifest.dir, env: process.env }, needs);
    const work = workContext(out.reporter());
    const problems = (await runPreflight(live, work)).flatMap((r) => r.problems.map((p) => `${r.capability} (${r.adapter}): ${p}`));
    if (problems.length > 0) {
      throw new HarmonyError("config", `preflight found ${problems.length} problem${problems.length === 1 ? "" : "s"} before any build:\n  ${problems.join("\n  ")}`, {
        hint: "`harmony doctor` runs these checks on their own",
      });
    }
    const scores = buildPipeline(
      { app, version: tag.version, chartName: plan.chart.name, targets: manifest.targets, prep: releasePreparation(), smoke: smokeRunner() },
      options,
    );
    const result = await runChecked(live, scores, work, printRun(out));
    const doc = runDocument(plan, result);
    if (out.json) out.document(doc);
    await writeReports(doc, { reportFile: args.report, env: process.env, reporter: work.reporter });
    if (result.status === "failed") {
      const last = result.steps.at(-1);
      throw new HarmonyError("failed", `${tag.tag}: ${last?.name ?? "pipeline"} failed: ${last?.outcome.summary ?? "unknown"}`);
    }
    if (!out.json) out.success(`${tag.tag} released through ${plan.targets.map((t) => t.name).join(" and ")}`);
  },
});

