/**
 * What every capability call receives besides its input: a place to report to and a way to be
 * cancelled. Only cli/ prints; everything below reports through this so tests can record it.
 */
export interface Reporter {
  /** A line the user should see (progress of long work, decisions such as "re-using image"). */
  info(message: string): void;
  warn(message: string): void;
  /** Detail shown with --debug only (subprocess output, HTTP exchanges without secrets). */
  debug(message: string): void;
}

export interface WorkContext {
  readonly reporter: Reporter;
  /** Aborted on SIGINT/SIGTERM; long work and subprocesses must stop when it fires. */
  readonly signal: AbortSignal;
}

/** A reporter that keeps every line, for tests and for --json runs. */
export function recordingReporter(): Reporter & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(`info: ${m}`),
    warn: (m) => void lines.push(`warn: ${m}`),
    debug: (m) => void lines.push(`debug: ${m}`),
  };
}
