/**
 * The helm CLI as this capability uses it: which binary, which major version, and the argument
 * arrays for each command. Building arguments is pure (unit-tested for helm 3 and 4); running
 * them is process.ts's job.
 *
 * helm 3 → 4 differences that matter here (helm 4.1 `helm upgrade --help`):
 * - `--atomic` became `--rollback-on-failure`;
 * - `--wait` takes a strategy and defaults to `hookOnly` (resources are NOT waited for): we pass
 *   `--wait=watcher` (kstatus), which is what helm 3's bare `--wait` meant.
 */
import { HarmonyError, type ChartRegistryAccess, type ClusterTarget, type WorkContext } from "../../../capabilities/index.ts";
import { rememberedHelmVersion, rememberHelmVersion } from "./helm-version-cache.ts";
import { lastLine, runProcess } from "./process.ts";

export type HelmMajor = 3 | 4;

export interface HelmCli {
  readonly bin: string;
  readonly major: HelmMajor;
  /** e.g. v3.17.3 */
  readonly version: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** `HARMONY_HELM`, else `helm` on the PATH. */
export function helmBinary(env: Env): string {
  const explicit = env.HARMONY_HELM;
  if (explicit !== undefined && explicit !== "") return explicit;
  const found = Bun.which("helm", { PATH: env.PATH ?? process.env.PATH ?? "" });
  if (found === null) {
    throw new HarmonyError("config", "helm is not installed (not on PATH, HARMONY_HELM unset)", {
      hint: "install helm 3 or 4, or set HARMONY_HELM to its path",
    });
  }
  return found;
}

export function parseHelmVersion(output: string): { version: string; major: HelmMajor } | undefined {
  const m = /^v?(\d+)\.\d+\.\d+\S*$/.exec(output.trim());
  if (m === null) return undefined;
  const major = Number(m[1]);
  if (major !== 3 && major !== 4) return undefined;
  return { version: output.trim(), major };
}

export async function detectHelm(env: Env, wanted: HelmMajor | undefined, work: WorkContext): Promise<HelmCli> {
  const bin = helmBinary(env);
  let parsed = parseHelmVersion(rememberedHelmVersion(bin, env) ?? "");
  if (parsed === undefined) {
    let out;
    try {
      out = await runProcess([bin, "version", "--template", "{{.Version}}"], work, { env, label: "helm" });
    } catch (error) {
      throw new HarmonyError("config", `cannot run helm at ${bin}: ${error instanceof Error ? error.message : String(error)}`);
    }
    parsed = out.code === 0 ? parseHelmVersion(out.stdout) : undefined;
    if (parsed === undefined) {
      throw new HarmonyError("config", `${bin} is not helm 3 or 4 (\`helm version\` said: ${lastLine(out.stdout + out.stderr) || `exit ${out.code}`})`);
    }
    rememberHelmVersion(bin, parsed.version, env);
  }
  if (wanted !== undefined && wanted !== parsed.major) {
    throw new HarmonyError("config", `helmVersion is ${wanted} but ${bin} is ${parsed.version}`, {
      hint: `install helm ${wanted} or point HARMONY_HELM at it`,
    });
  }
  return { bin, ...parsed };
}

/** helm's lines that say what failed (it prints `Error: …`), without its progress chatter. */
export function helmError(result: { readonly code: number; readonly stderr: string }): string {
  const errors = result.stderr.split("\n").filter((l) => /^Error:|^error:/i.test(l.trim()));
  return (errors.length > 0 ? errors.join("\n") : result.stderr.trim().split("\n").slice(-3).join("\n")) || `helm exited ${result.code}`;
}

/** Where the cluster is, in helm's flags. */
export function kubeArgs(target: ClusterTarget): string[] {
  const args = ["--namespace", target.namespace];
  if (target.kubeconfig !== undefined) args.push("--kubeconfig", target.kubeconfig);
  if (target.context !== undefined) args.push("--kube-context", target.context);
  return args;
}

/** The chart to install: an OCI reference pinned to a version, or an archive on disk. */
export function chartArgs(location: string, version: string): string[] {
  return location.startsWith("oci://") ? [location, "--version", version] : [location];
}

/** How to reach the chart's registry; credentials travel in a 0600 file, never as arguments. */
export function registryArgs(access: ChartRegistryAccess, registryConfig: string | undefined): string[] {
  const args: string[] = [];
  if (access.plainHttp) args.push("--plain-http");
  if (access.caFile !== undefined) args.push("--ca-file", access.caFile);
  if (registryConfig !== undefined) args.push("--registry-config", registryConfig);
  return args;
}

/** The chart as helm takes it: the archive harmony fetched, else the reference helm pulls itself. */
export function chartSource(files: { readonly chartFile: string | undefined; readonly registryConfig: string | undefined }, chart: { readonly location: string; readonly version: string }, access: ChartRegistryAccess): { chart: string[]; registry: string[] } {
  if (files.chartFile !== undefined) return { chart: [files.chartFile], registry: [] };
  return { chart: chartArgs(chart.location, chart.version), registry: registryArgs(access, files.registryConfig) };
}

export interface UpgradeOptions {
  readonly target: ClusterTarget;
  readonly chart: readonly string[];
  readonly registry: readonly string[];
  readonly valuesFile: string;
  readonly timeoutSeconds: number;
  readonly description: string;
  /** harmony validated the render (or the cluster validates fields itself): helm need not. */
  readonly validated?: boolean;
}

export function upgradeArgs(helm: HelmCli, o: UpgradeOptions): string[] {
  const safety = helm.major === 4 ? ["--wait=watcher", "--rollback-on-failure"] : ["--wait", "--atomic"];
  return [
    "upgrade", "--install", o.target.releaseName, ...o.chart,
    ...kubeArgs(o.target), "--create-namespace",
    "--values", o.valuesFile,
    ...o.registry,
    ...safety,
    "--timeout", `${o.timeoutSeconds}s`,
    "--description", o.description,
    ...(o.validated ? ["--disable-openapi-validation"] : []),
  ];
}

export function rollbackArgs(helm: HelmCli, target: ClusterTarget, revision: number, timeoutSeconds: number): string[] {
  const wait = helm.major === 4 ? "--wait=watcher" : "--wait";
  return ["rollback", target.releaseName, String(revision), ...kubeArgs(target), wait, "--timeout", `${timeoutSeconds}s`];
}

export function templateArgs(releaseName: string, namespace: string, chart: readonly string[], registry: readonly string[], valuesFile: string): string[] {
  return ["template", releaseName, ...chart, "--namespace", namespace, "--values", valuesFile, ...registry];
}
