import { defineCommand } from "citty";
import { loadManifest } from "../manifest/load.ts";
import { Output } from "../output.ts";
import { globalArgs, manifestPath } from "./_shared.ts";

export default defineCommand({
  meta: { name: "apps", description: "List the apps and the tags each answers to" },
  args: { ...globalArgs },
  run: ({ args }) => {
    const out = new Output({ json: args.json === true, debug: args.debug === true });
    const manifest = loadManifest(manifestPath(args.manifest));
    const rows = manifest.apps.map((a) => ({ name: a.name, tag: `${a.name}-v<semver>`, image: a.image.kind, chart: a.chart.kind }));
    if (out.json) return out.document({ apps: rows });
    const width = Math.max(...rows.map((r) => r.name.length), 4);
    out.text(`${"NAME".padEnd(width)}  ${"TAG".padEnd(width + 10)}  IMAGE       CHART`);
    for (const r of rows) out.text(`${r.name.padEnd(width)}  ${r.tag.padEnd(width + 10)}  ${r.image.padEnd(10)}  ${r.chart}`);
  },
});
