/**
 * Preflight: every adapter of a topology checks, in parallel and within a bound, what it can check
 * without doing work. All problems are gathered so the user sees them at once.
 */
import type { WorkContext } from "../capabilities/index.ts";
import { CAPABILITY_NAMES, type CapabilityName, type Topology } from "../scores/score.ts";

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
      try {
        return await Promise.race([adapter.preflight(work), timeout]);
      } catch (error) {
        return [error instanceof Error ? error.message : String(error)];
      } finally {
        clearTimeout(timer);
      }
    };
    return [bounded().then((problems) => ({ capability, adapter: adapter.adapter, problems }))];
  });
  return Promise.all(checks);
}
