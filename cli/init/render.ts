/** Turns what `init` discovered into a commented harmony.yaml. */
import { stringify } from "yaml";
import type { DiscoveredApp } from "./discover.ts";
import { slug } from "./discover.ts";

export function renderManifest(repoName: string, apps: readonly DiscoveredApp[]): string {
  const ns = slug(repoName);
  const doc = {
    apps: apps.map((a) => ({
      name: a.name,
      projectRoot: a.projectRoot,
      image: { dockerfile: { file: a.dockerfile, context: "." } },
      chart: a.chart !== undefined ? { directory: a.chart } : { builder: { kind: "webapp", port: a.port, replicas: 1 } },
    })),
    targets: {
      staging: { namespace: `${ns}-staging` },
      production: { namespace: `${ns}-production` },
    },
  };
  return [
    "# Written by `harmony init`: check the guesses, then `harmony validate`.",
    "# Release an app with: harmony release --from-tag <name>-v<semver>",
    stringify(doc, { lineWidth: 120 }),
  ].join("\n");
}
