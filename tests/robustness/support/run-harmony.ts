/**
 * dist/harmony started the way a CI runner starts it, but held by the hand: its stderr read line
 * by line as it comes (so a test can act at "deploy staging …"), a signal sent to it or to its
 * whole process group (a runner that dies takes helm and docker down with it), and the processes
 * it started recorded while it runs, so a test can say afterwards that none outlived it.
 *
 * It runs as the leader of its own process group (`detached`): a group kill reaches every child
 * that did not leave the group, and a child that outlives it still carries its group id.
 */
import { spawn } from "node:child_process";
import { BINARY } from "../../e2e/binary.ts";
import type { PipelineProject } from "../../e2e/pipeline-project.ts";
import { commandLine, descendantsOf, processAlive, processGroupMembers, type ProcessId } from "./run-procfs.ts";

export interface Line {
  /** performance.now() when the line arrived. */
  readonly at: number;
  readonly text: string;
}

export interface Exit {
  /** The exit code, or 128 + signal number when a signal ended it (as a shell reports it). */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly json?: any;
}

export interface LiveRun {
  readonly pid: number;
  readonly lines: readonly Line[];
  /** Resolves with the first stderr line (already seen or to come) that matches; rejects if harmony exits first. */
  waitForLine(match: RegExp): Promise<Line>;
  /** `group`: the whole process group, as a runner whose container is torn down would. */
  kill(signal: NodeJS.Signals, options?: { group?: boolean }): void;
  /** Processes it started (descendants seen while it ran), when started with `trackChildren`. */
  readonly children: ReadonlyMap<string, ProcessId>;
  /** What its descendants were running when kill() sent the signal: `docker build`, `helm upgrade`. */
  readonly runningAtSignal: readonly string[];
  readonly exited: Promise<Exit>;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function startHarmony(
  project: Pick<PipelineProject, "dir" | "env">,
  args: readonly string[],
  options: { trackChildren?: boolean; env?: Record<string, string> } = {},
): LiveRun {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", NO_COLOR: "1", ...project.env, ...options.env };
  const child = spawn(BINARY, ["release", "--json", ...args], { cwd: project.dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${BINARY}`);
  const lines: Line[] = [];
  const watchers: { match: RegExp; resolve: (l: Line) => void; reject: (e: Error) => void }[] = [];
  let stdout = "";
  let stderr = "";
  let partial = "";
  let done = false;
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
    const split = (partial + text).split("\n");
    partial = split.pop() ?? "";
    for (const t of split) {
      const line = { at: performance.now(), text: t };
      lines.push(line);
      for (const w of [...watchers]) {
        if (!w.match.test(t)) continue;
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });

  const children = new Map<string, ProcessId>();
  const runningAtSignal: string[] = [];
  const tracker = options.trackChildren ? setInterval(() => {
    for (const p of descendantsOf(pid)) children.set(`${p.pid}:${p.start}`, p);
  }, 20) : undefined;

  const exited = new Promise<Exit>((resolve) => {
    child.on("close", (code, signal) => {
      done = true;
      if (tracker !== undefined) clearInterval(tracker);
      for (const w of watchers.splice(0)) w.reject(new Error(`harmony exited (${code ?? signal}) before a line matched ${w.match}\n${stderr.slice(-3000)}`));
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? 128 + (SIGNAL_NUMBERS[signal as NodeJS.Signals] ?? 0), signal: signal as NodeJS.Signals | null, stdout, stderr, json });
    });
  });

  return {
    pid,
    lines,
    children,
    runningAtSignal,
    exited,
    waitForLine(match) {
      const seen = lines.find((l) => match.test(l.text));
      if (seen !== undefined) return Promise.resolve(seen);
      if (done) return Promise.reject(new Error(`harmony exited before a line matched ${match}\n${stderr.slice(-3000)}`));
      return new Promise((resolve, reject) => watchers.push({ match, resolve, reject }));
    },
    kill(signal, { group = false } = {}) {
      const now = descendantsOf(pid);
      if (tracker !== undefined) for (const p of now) children.set(`${p.pid}:${p.start}`, p);
      runningAtSignal.push(...now.map((p) => commandLine(p.pid)).filter((c) => c !== ""));
      process.kill(group ? -pid : pid, signal);
    },
  };
}

/** What is still alive of a finished run: recorded children, and anything left in its process group. */
export function survivors(run: LiveRun): ProcessId[] {
  const left = new Map<string, ProcessId>();
  for (const [key, p] of run.children) if (processAlive(p)) left.set(key, p);
  for (const p of processGroupMembers(run.pid)) left.set(`${p.pid}:${p.start}`, p);
  return [...left.values()];
}
