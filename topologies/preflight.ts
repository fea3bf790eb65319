/**
 * Preflight: every adapter of a topology checks, in parallel and within a bound, what it can check
 * without doing work. All problems are gathered so the user sees them at once.
 */
import type { ClusterTarget, WorkContext } from "../capabilities/index.ts";
import { CAPABILITY_NAMES, type CapabilityName, type Topology } from "../scores/score.ts";
import { targetProblems } from "./preflight-targets.ts";

export interface PreflightResult {
  readonly capability: CapabilityName;
  readonly adapter: string;
  readonly problems: readonly string[];
}

const BOUND_MS = 10_000;

export async function runPreflight(topology: Topology, work: WorkContext): Promise<PreflightResult[]> {
  const checks = CAPABILITY_NAMES.flatMap((capability) => {
    const adapter = topology.capabilities[capability];
    if (adapter === undefined) return [];
    const bounded = async (): Promise<readonly string[]> => {
      if (adapter.preflight === undefined) return [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<readonly string[]>((resolve) => {
        timer = setTimeout(() => resolve([`no answer within ${BOUND_MS / 1000}s`]), BOUND_MS);
      });
      const started = performance.now();
      try {
        return await Promise.race([adapter.preflight(work), timeout]);
      } catch (error) {
        return [error instanceof Error ? error.message : String(error)];
      } finally {
        clearTimeout(timer);
        work.reporter.debug(`preflight ${capability} (${adapter.adapter}): ${Math.round(performance.now() - started)} ms`);
      }
    };
    return [bounded().then((problems) => ({ capability, adapter: adapter.adapter, problems }))];
  });
  return Promise.all(checks);
}

export interface FullPreflight {
  /** Per adapter, for a table. */
  readonly adapters: readonly PreflightResult[];
  /** Targets whose cluster does not answer. */
  readonly clusters: readonly string[];
  /** Everything found, one sentence each, `capability (adapter): problem` first. */
  readonly problems: readonly string[];
}

/** The adapters' own checks and the targets' clusters, in parallel: what release and doctor both run. */
export async function preflightAll(
  topology: Topology,
  deployer: string | undefined,
  targets: readonly ClusterTarget[],
  work: WorkContext,
  env: Readonly<Record<string, string | undefined>>,
): Promise<FullPreflight> {
  const started = performance.now();
  const [adapters, clusters] = await Promise.all([
    runPreflight(topology, work),
    targetProblems(deployer, targets, env).finally(() => work.reporter.debug(`preflight targets: ${Math.round(performance.now() - started)} ms`)),
  ]);
  const problems = [...adapters.flatMap((r) => r.problems.map((p) => `${r.capability} (${r.adapter}): ${p}`)), ...clusters];
  return { adapters, clusters, problems };
}
