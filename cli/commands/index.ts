/** Every command, loaded only when it runs, so start-up stays fast. */
import type { CommandDef } from "citty";

type Loader = () => Promise<CommandDef<any>>;

export const COMMANDS: Record<string, { readonly description: string; readonly load: Loader }> = {
  release: { description: "Build, publish, deploy and smoke-test the app a tag names", load: () => import("./release.ts").then((m) => m.default) },
  plan: { description: "Show what a release would do, with no side effects", load: () => import("./plan.ts").then((m) => m.default) },
  validate: { description: "Check harmony.yaml and report every problem", load: () => import("./validate.ts").then((m) => m.default) },
  apps: { description: "List the apps and the tags each answers to", load: () => import("./apps.ts").then((m) => m.default) },
  doctor: { description: "Check tools, daemons, credentials and cluster for a topology", load: () => import("./doctor.ts").then((m) => m.default) },
  init: { description: "Write a starting harmony.yaml from the Dockerfiles and charts found here", load: () => import("./init.ts").then((m) => m.default) },
  schema: { description: "Print the JSON Schema of harmony.yaml, for editors", load: () => import("./schema.ts").then((m) => m.default) },
};
