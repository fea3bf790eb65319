/**
 * Chart.yaml: validated by a schema and written back the way `helm package` writes it — helm
 * re-serialises the metadata rather than copying the file, so comments are dropped and keys come out
 * sorted. A released chart is harmony's own (apiVersion v2, a name that is also a valid OCI
 * repository, SemVer version, an installable type); vendored subcharts only need what helm needs.
 */
import { parse as parseSemver } from "semver";
import * as v from "valibot";
import { stringify } from "yaml";
import { HarmonyError } from "../../capabilities/index.ts";
import { parseYaml, valibotIssues, yamlError } from "./yaml-issues.ts";

/** The OCI path-component grammar: the chart is pushed to `<registry>/<path>/<name>`. */
const CHART_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const CHART_YAML_HINT = "see https://helm.sh/docs/topics/charts/#the-chartyaml-file";

/** Strict SemVer 2.0.0: no leading "v" or "=", no surrounding spaces (semver's parse tolerates both). */
export function isSemver(version: string): boolean {
  const parsed = parseSemver(version);
  if (parsed === null) return false;
  const build = parsed.build.length > 0 ? `+${parsed.build.join(".")}` : "";
  return `${parsed.version}${build}` === version;
}

const text = v.string();
const semverString = v.pipe(v.string(), v.check(isSemver, (i) => `${JSON.stringify(i.input)} is not SemVer 2.0.0 (e.g. 1.4.0, 2.0.0-rc.1)`));
const chartName = v.pipe(
  v.string(),
  v.nonEmpty("must not be empty"),
  v.regex(CHART_NAME, (i) => `${JSON.stringify(i.input)} is not a valid chart name: lowercase letters, digits and . _ - between them (it becomes an OCI repository name)`),
);

const dependency = v.strictObject({
  name: v.pipe(v.string(), v.nonEmpty()),
  version: v.optional(text),
  repository: v.optional(text),
  condition: v.optional(text),
  tags: v.optional(v.array(text)),
  enabled: v.optional(v.boolean()),
  "import-values": v.optional(v.array(v.unknown())),
  alias: v.optional(text),
});

/** Everything helm's chart.Metadata knows; helm itself silently drops any other key. */
const metadataEntries = {
  name: chartName,
  version: semverString,
  kubeVersion: v.optional(text),
  description: v.optional(text),
  type: v.optional(v.picklist(["application", "library"], 'must be "application" or "library"')),
  keywords: v.optional(v.array(text)),
  home: v.optional(text),
  sources: v.optional(v.array(text)),
  dependencies: v.optional(v.array(dependency)),
  maintainers: v.optional(v.array(v.strictObject({ name: v.pipe(v.string(), v.nonEmpty()), email: v.optional(text), url: v.optional(text) }))),
  icon: v.optional(text),
  // Helm tolerates an unquoted number (`appVersion: 1.10`); it is read as the string the user typed.
  appVersion: v.optional(v.union([text, v.pipe(v.number(), v.transform(String))], "must be a string")),
  deprecated: v.optional(v.boolean()),
  annotations: v.optional(v.record(v.string(), v.string())),
};

/** A chart harmony releases: strict, so a misspelt key is caught instead of silently dropped. */
export const releasedChartSchema = v.strictObject({
  apiVersion: v.literal("v2", 'must be "v2" (helm 3 charts); apiVersion v1 charts are not supported'),
  ...metadataEntries,
});

/** A vendored subchart in charts/: third-party, so only what helm itself insists on. */
const subchartSchema = v.object({ apiVersion: v.picklist(["v1", "v2"], 'must be "v1" or "v2"'), ...metadataEntries });

export type ChartMetadata = v.InferOutput<typeof releasedChartSchema>;
export type SubchartMetadata = v.InferOutput<typeof subchartSchema>;

/** Parses and validates a Chart.yaml; `file` names it in every problem. */
export function readChartYaml(file: string, source: string, role: "release" | "subchart" = "release"): ChartMetadata | SubchartMetadata {
  const parsed = parseYaml(file, source);
  const result = v.safeParse(role === "release" ? releasedChartSchema : subchartSchema, parsed.doc.toJS({ maxAliasCount: 100 }) ?? {}, {
    abortEarly: false,
  });
  if (!result.success) throw yamlError(file, valibotIssues(parsed, result.issues), CHART_YAML_HINT);
  return result.output;
}

export function requireApplication(metadata: ChartMetadata | SubchartMetadata, file: string): void {
  if (metadata.type === "library") {
    throw new HarmonyError("config", `${file}: type is "library": a library chart cannot be installed, so it cannot be released`, {
      hint: "release an application chart that depends on it",
    });
  }
}

/** Chart.yaml as helm writes it into the archive: the metadata only, keys sorted, no comments. */
export function renderChartYaml(metadata: ChartMetadata | SubchartMetadata): string {
  const clean = JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
  // Sequences unindented and single quotes, as go-yaml writes them, so a diff against helm's is quiet.
  return stringify(clean, { sortMapEntries: true, lineWidth: 0, indentSeq: false, singleQuote: true });
}
