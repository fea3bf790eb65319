import { defineCommand } from "citty";
import { Output } from "../output.ts";
import { planLines, planView } from "../plan-view.ts";
import { resolveRelease } from "../resolve-release.ts";
import { globalArgs, manifestPath, tagArgs } from "./_shared.ts";
import { pipelineOptions, untilArg } from "./release-args.ts";

export default defineCommand({
  meta: { name: "plan", description: "Show what a release would do, with no side effects" },
  args: { ...globalArgs, ...tagArgs, ...untilArg, promote: { type: "boolean", description: "Plan a promotion to production" } },
  run: ({ args }) => {
    const out = new Output({ json: args.json === true, debug: args.debug === true });
    const resolved = resolveRelease({ manifest: manifestPath(args.manifest), fromTag: args["from-tag"], topology: args.topology });
    const plan = planView(resolved.manifest, resolved.tag, resolved.topology, pipelineOptions(args));
    if (out.json) out.document({ plan });
    else for (const line of planLines(plan)) out.text(line);
  },
});
