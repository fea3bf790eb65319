import { defineCommand } from "citty";
import { existsSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { HarmonyError } from "../../capabilities/index.ts";
import { discoverApps } from "../init/discover.ts";
import { renderManifest } from "../init/render.ts";
import { Output } from "../output.ts";
import { globalArgs } from "./_shared.ts";

export default defineCommand({
  meta: { name: "init", description: "Write a starting harmony.yaml from the Dockerfiles and charts found here" },
  args: {
    ...globalArgs,
    dir: { type: "string", description: "Repository to scan (default: the current directory)", valueHint: "DIR" },
    force: { type: "boolean", description: "Overwrite an existing harmony.yaml" },
  },
  run: ({ args }) => {
    const out = new Output({ json: args.json === true, debug: args.debug === true });
    const root = resolve(args.dir ?? ".");
    const target = resolve(root, args.manifest ?? "harmony.yaml");
    if (existsSync(target) && !args.force) {
      throw new HarmonyError("usage", `${target} already exists`, { hint: "pass --force to overwrite it" });
    }
    const apps = discoverApps(root);
    if (apps.length === 0) {
      throw new HarmonyError("config", `no Dockerfile found under ${root} (searched 4 levels, skipping node_modules, .git, dist)`, {
        hint: "write harmony.yaml by hand; `harmony schema` gives your editor the schema",
      });
    }
    writeFileSync(target, renderManifest(basename(root), apps));
    if (out.json) return out.document({ manifest: target, apps });
    for (const a of apps) {
      const chart = a.chart !== undefined ? `chart directory ${a.chart}` : `no chart found: webapp builder on port ${a.port}`;
      out.text(`guessed ${a.name}: ${a.projectRoot}/${a.dockerfile}, ${chart}`);
    }
    out.success(`wrote ${target}; next: harmony validate --manifest ${target}`);
  },
});
