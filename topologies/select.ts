/** Which topology a run uses: the flag, then $HARMONY_TOPOLOGY, then detection from the CI's env. */
import { HarmonyError } from "../capabilities/index.ts";
import { TOPOLOGY_NAMES, type TopologyName } from "./config.ts";

export interface TopologyChoice {
  readonly name: TopologyName;
  /** Why this one, for plans and reports. */
  readonly reason: string;
}

const CI_MARKERS = ["GITHUB_ACTIONS", "GITEA_ACTIONS", "GITLAB_CI", "CI"] as const;

function checked(name: string, source: string): TopologyName {
  if ((TOPOLOGY_NAMES as readonly string[]).includes(name)) return name as TopologyName;
  throw new HarmonyError("usage", `unknown topology "${name}" (from ${source})`, { hint: `choose one of ${TOPOLOGY_NAMES.join(", ")}` });
}

export function selectTopology(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): TopologyChoice {
  if (flag) return { name: checked(flag, "--topology"), reason: "--topology" };
  if (env.HARMONY_TOPOLOGY) return { name: checked(env.HARMONY_TOPOLOGY, "HARMONY_TOPOLOGY"), reason: "HARMONY_TOPOLOGY" };
  const marker = CI_MARKERS.find((m) => env[m] !== undefined && env[m] !== "" && env[m] !== "false");
  if (marker) return { name: "ci", reason: `detected ${marker}` };
  return { name: "local", reason: "default (no CI detected)" };
}
