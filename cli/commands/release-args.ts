import type { ArgsDef } from "citty";
import { HarmonyError } from "../../capabilities/index.ts";
import type { PipelineOptions } from "../../scores/pipeline.ts";
import { PIPELINE_TARGETS, type PipelineTarget } from "../../scores/targets.ts";

export const untilArg = {
  until: { type: "string", description: "Stop after this target's smoke checks: staging | production", valueHint: "TARGET" },
} as const satisfies ArgsDef;

export function pipelineOptions(args: { until?: string | undefined; promote?: boolean | undefined }): PipelineOptions {
  const until = args.until;
  if (until !== undefined && !(PIPELINE_TARGETS as readonly string[]).includes(until)) {
    throw new HarmonyError("usage", `--until ${until}: expected one of ${PIPELINE_TARGETS.join(", ")}`);
  }
  if (args.promote && until === "staging") throw new HarmonyError("usage", "--promote starts at production; --until staging contradicts it");
  return { ...(until === undefined ? {} : { until: until as PipelineTarget }), ...(args.promote ? { promote: true } : {}) };
}
