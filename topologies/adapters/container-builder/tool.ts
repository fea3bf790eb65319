/**
 * Running the build tools (docker, buildah, buildctl, k3d): argument arrays, never a shell; the
 * child gets the adapter's environment (DOCKER_HOST, CONTAINERS_* …); every output line streams to
 * the reporter as it comes — step lines ("Step 2/5", "STEP 2/5:", "#5 [2/3]") as progress, the
 * rest as debug — and only a bounded tail is kept for the error message, because a build's log
 * can be far larger than anything worth holding in memory.
 */
import { basename } from "node:path";
import { HarmonyError, type WorkContext } from "../../../capabilities/index.ts";

export type ToolEnv = Readonly<Record<string, string | undefined>>;

/** The absolute path of `name` on the adapter's PATH, or a config error saying how to get it. */
export function requireTool(name: string, env: ToolEnv, install: string, adapter = name): string {
  const found = Bun.which(name, { PATH: env.PATH ?? "" });
  if (found === null) {
    throw new HarmonyError("config", `${name} not found on PATH: the ${adapter} builder cannot run here`, { hint: install });
  }
  return found;
}

/** A preflight problem from an expected error: its message and the fix; anything else is a bug. */
export function problemOf(e: unknown): string {
  if (!(e instanceof HarmonyError)) throw e;
  return e.hint === undefined ? e.message : `${e.message} (${e.hint})`;
}

export interface RunOptions {
  readonly env: ToolEnv;
  readonly cwd?: string;
  /** Lines that show progress (reported with info); everything else goes to debug. */
  readonly progress?: RegExp;
  /** Prefix of reported lines, e.g. `docker`. */
  readonly label: string;
  /** Keep stdout whole (for commands whose output is data, e.g. an image id); default: tail only. */
  readonly keepStdout?: boolean;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  /** The last lines of stderr and stdout, interleaved as they came. */
  readonly tail: string;
}

const TAIL_LINES = 40;
/** A killed build may need a moment to tell its daemon; then it is killed for good. */
const GRACE_MS = 10_000;

export async function runTool(argv: readonly string[], work: WorkContext, options: RunOptions): Promise<RunResult> {
  if (work.signal.aborted) throw interrupted(argv);
  const child = Bun.spawn([...argv], {
    env: defined(options.env),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    child.kill("SIGTERM");
    killTimer = setTimeout(() => child.kill("SIGKILL"), GRACE_MS);
  };
  work.signal.addEventListener("abort", stop, { once: true });
  const tail: string[] = [];
  const onLine = (line: string) => {
    if (line.trim() === "") return;
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    if (options.progress?.test(line)) work.reporter.info(`${options.label}: ${line.trim()}`);
    else work.reporter.debug(`${options.label}: ${line}`);
  };
  try {
    const [stdout, , code] = await Promise.all([
      lines(child.stdout, onLine, options.keepStdout === true),
      lines(child.stderr, onLine, false),
      child.exited,
    ]);
    if (work.signal.aborted) throw interrupted(argv);
    return { code, stdout, tail: tail.join("\n") };
  } finally {
    if (killTimer !== undefined) clearTimeout(killTimer);
    work.signal.removeEventListener("abort", stop);
  }
}

async function lines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void, keep: boolean): Promise<string> {
  const decoder = new TextDecoder();
  let kept = "";
  let partial = "";
  for await (const chunk of stream) {
    const text = decoder.decode(chunk, { stream: true });
    if (keep) kept += text;
    const split = (partial + text).split(/\r?\n|\r/);
    partial = split.pop() ?? "";
    for (const line of split) onLine(line);
  }
  if (partial !== "") onLine(partial);
  return kept;
}

function defined(env: ToolEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function interrupted(argv: readonly string[]): HarmonyError {
  return new HarmonyError("interrupted", `${basename(argv[0] ?? "")} ${argv[1] ?? ""} was stopped`.trim());
}

/** A failed build as one error: what failed, the tool's last lines, and where to look. */
export function buildFailed(what: string, result: RunResult, hint?: string): HarmonyError {
  return new HarmonyError("failed", `${what} failed (exit ${result.code}):\n${indent(result.tail)}`, {
    hint: hint ?? "run with --debug to see the whole build log",
  });
}

function indent(text: string): string {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}
