import { defineCommand } from "citty";
import { Output } from "../output.ts";
import { planLines, planView } from "../plan-view.ts";
import { resolveRelease } from "../resolve-release.ts";
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
    const resolved = resolveRelease({ manifest: manifestPath(args.manifest), fromTag: args["from-tag"], topology: args.topology });
    const plan = planView(resolved.manifest, resolved.tag, resolved.topology, options);
    if (args["dry-run"]) {
      if (out.json) out.document({ plan, dryRun: true });
      else for (const line of planLines(plan)) out.text(line);
      return;
    }
    const { runRelease } = await import("../release/run-release.ts");
    await runRelease(resolved, plan, options, out, args.report);
  },
});
