import { defineCommand } from "citty";
import { loadManifest } from "../manifest/load.ts";
import { Output } from "../output.ts";
import { globalArgs, manifestPath } from "./_shared.ts";

export default defineCommand({
  meta: { name: "validate", description: "Check harmony.yaml and report every problem" },
  args: { ...globalArgs },
  run: ({ args }) => {
    const out = new Output({ json: args.json === true, debug: args.debug === true });
    const manifest = loadManifest(manifestPath(args.manifest));
    if (out.json) out.document({ valid: true, apps: manifest.apps.map((a) => a.name), targets: Object.keys(manifest.targets) });
    else out.success(`${manifest.displayPath} is valid: ${manifest.apps.length} apps, targets ${Object.keys(manifest.targets).join(", ")}`);
  },
});
