import type { WorkContext } from "./work-context.ts";

/**
 * What an adapter can check in seconds before any work starts: its tool is installed, its daemon
 * answers, its credentials are accepted with the rights it needs. Returns the problems found (empty
 * when ready), each a sentence naming the fix; never throws for an expected problem.
 */
export interface Preflight {
  preflight?(work: WorkContext): Promise<readonly string[]>;
}
