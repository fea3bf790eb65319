/**
 * Cross-field rules, run after the schema accepted the document's shape. Each is a small function
 * returning positioned problems; all run, so the user sees every problem at once.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { ConfigIssue } from "../../capabilities/index.ts";
import { PIPELINE_TARGETS } from "../../scores/targets.ts";
import { ambiguousNames } from "../tag.ts";
import type { PathKey } from "./positions.ts";
import type { AppInput, ManifestInput } from "./schema.ts";

export type Report = (path: readonly PathKey[], message: string, atKey?: boolean) => void;

type Kind = "file" | "directory";

function exists(path: string, kind: Kind): boolean {
  if (!existsSync(path)) return false;
  const stat = statSync(path);
  return kind === "file" ? stat.isFile() : stat.isDirectory();
}

function requirePath(report: Report, at: readonly PathKey[], base: string, relative: string, kind: Kind): void {
  if (!exists(resolve(base, relative), kind)) report(at, `${kind} not found: ${relative}`);
}

function checkUniqueNames(m: ManifestInput, report: Report): void {
  const seen = new Map<string, number>();
  m.apps.forEach((app, i) => {
    const first = seen.get(app.name);
    if (first === undefined) seen.set(app.name, i);
    else report(["apps", i, "name"], `duplicate app name "${app.name}" (also apps[${first}])`);
  });
}

function checkAmbiguousNames(m: ManifestInput, report: Report): void {
  const names = m.apps.map((a) => a.name);
  for (const [shorter, longer] of ambiguousNames(names)) {
    report(["apps", names.indexOf(longer), "name"], `"${longer}" and "${shorter}" could both match the tag ${longer}-v1.0.0`);
  }
}

function checkOneOf(report: Report, at: readonly PathKey[], value: object, keys: readonly string[]): void {
  const present = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  if (present.length === 1) return;
  const choices = keys.map((k) => `"${k}"`).join(", ");
  report(at, present.length === 0 ? `declare one of ${choices}` : `declare only one of ${choices} (found ${present.join(", ")})`);
}

function checkAppFiles(app: AppInput, i: number, manifestDir: string, report: Report): void {
  const root = resolve(manifestDir, app.projectRoot);
  const at = (...rest: PathKey[]) => ["apps", i, ...rest];
  if (!exists(root, "directory")) {
    report(at("projectRoot"), `directory not found: ${app.projectRoot}`);
    return;
  }
  const { dockerfile, buildable, files } = app.image;
  if (dockerfile) {
    requirePath(report, at("image", "dockerfile", "context"), root, dockerfile.context, "directory");
    requirePath(report, at("image", "dockerfile", "file"), root, dockerfile.file, "file");
  }
  if (buildable?.kind === "bun") requirePath(report, at("image", "buildable", "entry"), root, buildable.entry, "file");
  if (buildable?.kind === "static-site") requirePath(report, at("image", "buildable", "dir"), root, buildable.dir, "directory");
  files?.files.forEach((f, j) => {
    if (!existsSync(resolve(root, f.from))) report(at("image", "files", "files", j, "from"), `not found: ${f.from}`);
  });
  if (app.chart.directory !== undefined) {
    requirePath(report, at("chart", "directory"), root, app.chart.directory, "directory");
    const chartYaml = resolve(root, app.chart.directory, "Chart.yaml");
    if (exists(resolve(root, app.chart.directory), "directory") && !exists(chartYaml, "file")) {
      report(at("chart", "directory"), `no Chart.yaml in ${app.chart.directory}`);
    }
  }
  if (app.chart.builder?.kind === "module") requirePath(report, at("chart", "builder", "path"), root, app.chart.builder.path, "file");
}

function checkTargets(m: ManifestInput, report: Report): void {
  for (const required of PIPELINE_TARGETS) {
    if (m.targets[required] === undefined) report(["targets"], `missing target "${required}" (the pipeline deploys to ${PIPELINE_TARGETS.join(" then ")})`);
  }
  const known = Object.keys(m.targets);
  m.apps.forEach((app, i) => {
    for (const name of Object.keys(app.values)) {
      if (!known.includes(name)) report(["apps", i, "values", name], `unknown target "${name}" (targets: ${known.join(", ")})`, true);
    }
    app.smoke.forEach((check, j) => {
      check.targets.forEach((name, k) => {
        if (!known.includes(name)) report(["apps", i, "smoke", j, "targets", k], `unknown target "${name}"`);
      });
    });
  });
}

function checkTopologyFiles(m: ManifestInput, manifestDir: string, report: Report): void {
  for (const [name, topology] of Object.entries(m.topologies)) {
    for (const cap of ["ociRegistry", "helmRegistry"] as const) {
      const config = topology?.[cap];
      if (config && "caFile" in config && config.caFile !== undefined) {
        requirePath(report, ["topologies", name, cap, "caFile"], manifestDir, config.caFile, "file");
      }
    }
  }
}

export function crossFieldChecks(m: ManifestInput, manifestDir: string, report: Report): void {
  checkUniqueNames(m, report);
  checkAmbiguousNames(m, report);
  m.apps.forEach((app, i) => {
    checkOneOf(report, ["apps", i, "image"], app.image, ["dockerfile", "buildable", "files"]);
    checkOneOf(report, ["apps", i, "chart"], app.chart, ["directory", "builder"]);
    checkAppFiles(app, i, manifestDir, report);
  });
  checkTargets(m, report);
  checkTopologyFiles(m, manifestDir, report);
}
