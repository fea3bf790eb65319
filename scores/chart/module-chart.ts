/**
 * A chart written in TypeScript by the app's team: a module in their repository whose default export
 * is `(input: { app, version, image, options }) => { chart, values, templates, files? }` (or a Promise
 * of it). It is loaded at release time with a dynamic import() of its absolute path, which Bun
 * transpiles on the fly — also from the compiled `dist/harmony`, whose runtime keeps the transpiler.
 * What it returns is validated, then packaged like any chart directory.
 *
 * The module runs with harmony's permissions, like a build script: it is code from the repository
 * being released, not from outside it.
 */
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import * as v from "valibot";
import { stringify } from "yaml";
import { formatImageRef, HarmonyError, type PublishedImage, type WorkContext } from "../../capabilities/index.ts";
import { textFile, type ChartFile, type ChartFiles } from "./chart-files.ts";
import { CHART_YAML_HINT, releasedChartSchema } from "./chart-yaml.ts";

export interface ChartModuleInput {
  readonly app: string;
  readonly version: string;
  /** The released image, pinned: `registry/repository:tag@sha256:…`. */
  readonly image: string;
  readonly options: Readonly<Record<string, unknown>>;
}

const SHAPE_HINT = "the default export must return { chart: {apiVersion, name, version, …}, values: {…}, templates: { \"name.yaml\": \"…\" }, files?: { \"path\": \"…\" } }";

const outputSchema = v.strictObject({
  chart: v.record(v.string(), v.unknown(), "must be an object: the Chart.yaml fields"),
  values: v.optional(v.record(v.string(), v.unknown(), "must be an object: the chart's values"), {}),
  templates: v.record(v.string(), v.string("must be the template's text"), "must be an object mapping template file names to their text"),
  files: v.optional(v.record(v.string(), v.union([v.string(), v.instance(Uint8Array)], "must be text or bytes")), {}),
});

function describe(issues: readonly v.BaseIssue<unknown>[], prefix: string): string {
  return issues
    .map((issue) => {
      const at = [prefix, ...(issue.path ?? []).map((p) => String(p.key))].filter((s) => s !== "").join(".");
      const unknownKey = issue.type === "strict_object" && issue.expected === "never";
      return `${at === "" ? "(result)" : at}: ${unknownKey ? `unknown key ${issue.received}` : issue.message}`;
    })
    .join("; ");
}

async function loadDefaultExport(path: string): Promise<(input: ChartModuleInput) => unknown> {
  if (!isAbsolute(path)) throw new Error(`chart module path must be absolute: ${path}`);
  if (!existsSync(path)) throw new HarmonyError("config", `chart module ${path} does not exist`, { hint: "check chart.builder.path in harmony.yaml" });
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new HarmonyError("config", `chart module ${path} cannot be loaded: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  if (typeof module.default !== "function") {
    throw new HarmonyError("config", `chart module ${path}: the default export is ${module.default === undefined ? "missing" : `of type ${typeof module.default}`}, not a function`, {
      hint: "export default function chart(input) { return { chart, values, templates }; }",
    });
  }
  return module.default as (input: ChartModuleInput) => unknown;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal, path: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new HarmonyError("interrupted", `interrupted while chart module ${path} was running`));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Runs the module and turns what it returns into the chart's files. */
export async function moduleChart(path: string, input: ChartModuleInput, work: WorkContext): Promise<ChartFiles> {
  const build = await loadDefaultExport(path);
  let returned: unknown;
  try {
    returned = await abortable(Promise.resolve().then(() => build(input)), work.signal, path);
  } catch (error) {
    if (error instanceof HarmonyError) throw error;
    throw new HarmonyError("failed", `chart module ${path} threw: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  const output = v.safeParse(outputSchema, returned, { abortEarly: false });
  if (!output.success) throw new HarmonyError("config", `chart module ${path} returned an invalid chart: ${describe(output.issues, "")}`, { hint: SHAPE_HINT });
  const metadata = v.safeParse(releasedChartSchema, output.output.chart, { abortEarly: false });
  if (!metadata.success) throw new HarmonyError("config", `chart module ${path} returned invalid chart metadata: ${describe(metadata.issues, "chart")}`, { hint: CHART_YAML_HINT });

  if (metadata.output.name !== input.app) {
    // harmony finds an app's published chart by the app's name (scores/chart-name.ts).
    throw new HarmonyError("config", `chart module ${path} returned chart.name "${metadata.output.name}": it must be the app's name "${input.app}"`, {
      hint: "return chart: { name: input.app, … }",
    });
  }
  const { chart, values, templates, files } = output.output;
  const out: ChartFile[] = [textFile("Chart.yaml", stringify(chart)), textFile("values.yaml", stringify(values, { lineWidth: 0 }))];
  for (const [name, text] of Object.entries(templates)) out.push(textFile(`templates/${name}`, text));
  for (const [name, data] of Object.entries(files)) out.push(typeof data === "string" ? textFile(name, data) : { path: name, data });
  return { origin: path, from: "builder", files: out };
}

export function moduleInput(app: string, version: string, image: PublishedImage, options: Readonly<Record<string, unknown>>): ChartModuleInput {
  return { app, version, image: formatImageRef(image.ref), options };
}
