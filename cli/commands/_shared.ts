/** Flags shared by several commands, typed once. */
import type { ArgsDef } from "citty";

export const globalArgs = {
  manifest: { type: "string", description: "Path of the manifest (default: $HARMONY_MANIFEST or harmony.yaml)", valueHint: "FILE" },
  json: { type: "boolean", description: "Print one machine-readable JSON document on stdout" },
  debug: { type: "boolean", description: "Show debug output and stacks" },
} as const satisfies ArgsDef;

export const tagArgs = {
  "from-tag": { type: "string", description: "Release tag <app>-v<semver> (default: the CI's tag)", valueHint: "TAG" },
  topology: { type: "string", description: "local | ci | production (default: $HARMONY_TOPOLOGY, else detected)", valueHint: "NAME" },
} as const satisfies ArgsDef;

export function manifestPath(flag: string | undefined): string {
  return flag ?? process.env.HARMONY_MANIFEST ?? "harmony.yaml";
}
