/**
 * Runs the CLIs this capability drives (helm, git) with argument arrays, never a shell: output
 * streams line by line to the reporter's debug channel as it comes, and the child is stopped when
 * the work is aborted — first SIGTERM, so helm can record the release as failed instead of leaving
 * it pending, then SIGKILL if it does not exit in time.
 */
import type { WorkContext } from "../../../capabilities/index.ts";

export interface ProcessOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Also stops the child (SIGTERM, then SIGKILL), e.g. when a rollout is known to have failed. */
  readonly cancel?: AbortSignal;
  /** How long a SIGTERMed child may take to wind down (helm rolls back in that time). */
  readonly graceMs?: number;
  /** Prefix of the debug lines, e.g. `helm`. */
  readonly label: string;
  /** False for output that is data, not progress (rendered manifests, JSON): kept, not echoed. */
  readonly echoStdout?: boolean;
}

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the child was stopped by `work.signal` or `cancel`. */
  readonly stopped: boolean;
}

function definedEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

async function pump(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<string> {
  const decoder = new TextDecoder();
  let all = "";
  let partial = "";
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    all += text;
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  }
  if (partial !== "") onLine(partial);
  return all;
}

export async function runProcess(argv: readonly string[], work: WorkContext, options: ProcessOptions): Promise<ProcessResult> {
  const child = Bun.spawn([...argv], {
    env: definedEnv(options.env),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stopped = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    if (stopped || child.exitCode !== null) return;
    stopped = true;
    child.kill("SIGTERM");
    killTimer = setTimeout(() => child.kill("SIGKILL"), options.graceMs ?? 30_000);
  };
  const signals = [work.signal, options.cancel].filter((s): s is AbortSignal => s !== undefined);
  for (const s of signals) {
    if (s.aborted) stop();
    else s.addEventListener("abort", stop, { once: true });
  }
  try {
    const debug = (line: string) => work.reporter.debug(`${options.label}: ${line}`);
    const quiet = () => {};
    const [stdout, stderr, code] = await Promise.all([
      pump(child.stdout, options.echoStdout === false ? quiet : debug),
      pump(child.stderr, debug),
      child.exited,
    ]);
    return { code, stdout, stderr, stopped };
  } finally {
    if (killTimer !== undefined) clearTimeout(killTimer);
    for (const s of signals) s.removeEventListener("abort", stop);
  }
}

/** The last non-empty line of a CLI's error output: usually the one that says what went wrong. */
export function lastLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines[lines.length - 1] ?? "";
}
