/**
 * SIGINT/SIGTERM abort the run's signal so subprocesses stop and steps end cleanly; a second
 * signal exits at once with 130.
 */
import type { Reporter, WorkContext } from "../capabilities/index.ts";
import { EXIT } from "./exit-codes.ts";

export function workContext(reporter: Reporter): WorkContext {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    reporter.warn(`${signal}: stopping (again to force)`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return { reporter, signal: controller.signal };
}
