/** The chart an app publishes: a directory chart's own name, else the app's name. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { AppSpec } from "./app-spec.ts";

export function chartNameOf(app: AppSpec): string {
  if (app.chart.kind !== "directory") return app.name;
  const meta = parse(readFileSync(join(app.chart.path, "Chart.yaml"), "utf8")) as { name?: unknown } | null;
  return typeof meta?.name === "string" && meta.name !== "" ? meta.name : app.name;
}
