/** How a pipeline run is shown as it happens: one line per step with its duration and result. */
import type { RunObserver, StepResult } from "../../scores/runner.ts";
import type { Output } from "../output.ts";

const MARK = { succeeded: "ok", skipped: "skipped", failed: "FAILED" } as const;
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function stepLine(step: StepResult): string {
  return `${step.name.padEnd(18)} ${MARK[step.outcome.status].padEnd(7)} ${seconds(step.durationMs).padStart(7)}  ${step.outcome.summary}`;
}

/**
 * On a TTY, a live line with a spinner and the elapsed time of the running step; in CI (no TTY),
 * a plain "step …" line when it starts. Either way, a final line per step.
 */
export function printRun(out: Output, live = process.stderr.isTTY === true && !out.json): RunObserver {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    if (live) process.stderr.write("\r\x1b[2K");
  };
  return {
    stepStarted: (name) => {
      if (!live) return out.reporter().info(`${name} …`);
      const started = performance.now();
      let frame = 0;
      timer = setInterval(() => {
        process.stderr.write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} ${name} ${seconds(performance.now() - started)}`);
      }, 100);
    },
    stepFinished: (step) => {
      stop();
      out.text(stepLine(step));
    },
  };
}
