import { defineCommand } from "citty";
import { HarmonyError } from "../../capabilities/index.ts";
import { CAPABILITY_NAMES } from "../../scores/score.ts";
import { createTopology } from "../../topologies/create.ts";
import { effectiveConfig } from "../../topologies/defaults.ts";
import { preflightAll } from "../../topologies/preflight.ts";
import { targetFor } from "../../scores/targets.ts";
import { selectTopology } from "../../topologies/select.ts";
import { loadManifest } from "../manifest/load.ts";
import { Output } from "../output.ts";
import { workContext } from "../signals.ts";
import { globalArgs, manifestPath } from "./_shared.ts";

export default defineCommand({
  meta: { name: "doctor", description: "Check that this machine can run the topology: tools, daemons, credentials, cluster" },
  args: { ...globalArgs, topology: { type: "string", description: "local | ci | production", valueHint: "NAME" } },
  run: async ({ args }) => {
    const out = new Output({ json: args.json === true, debug: args.debug === true });
    const manifest = loadManifest(manifestPath(args.manifest));
    const choice = selectTopology(args.topology, process.env);
    const config = effectiveConfig(choice.name, manifest.topologies[choice.name]);
    const declared = CAPABILITY_NAMES.filter((c) => config[c] !== undefined);
    const topology = createTopology(choice.name, config, { projectDir: manifest.dir, env: process.env }, declared);
    const targets = Object.values(manifest.targets).map((t) => targetFor(manifest.apps[0]!.name, t));
    const { adapters: results, clusters, problems } = await preflightAll(topology, config.continuousDelivery?.adapter, targets, workContext(out.reporter()), process.env);
    if (out.json) out.document({ topology: choice, results, ok: problems.length === 0 });
    else {
      for (const r of results) out.text(`${r.problems.length === 0 ? "ok  " : "FAIL"}  ${r.capability.padEnd(20)} ${r.adapter}${r.problems.map((p) => `\n        ${p}`).join("")}`);
      for (const c of clusters) out.text(`FAIL  ${c}`);
    }
    if (problems.length > 0) throw new HarmonyError("config", `topology "${choice.name}" is not ready: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
    out.success(`topology "${choice.name}" (${choice.reason}) is ready`);
  },
});
