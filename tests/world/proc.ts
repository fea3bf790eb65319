// Process helpers for the test world. Everything is spawned with argument arrays
// (never a shell string) and every daemon is stopped by the PID we started, after
// checking that the PID still runs the binary we launched (PIDs get reused).
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, realpathSync } from "node:fs";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  stdin?: string;
  timeoutMs?: number;
}

/** Runs a command to completion and captures its output; never throws on a non-zero exit. */
export async function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
    timeout: opts.timeoutMs,
    killSignal: "SIGKILL",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Like run() but throws (with both streams) on a non-zero exit. */
export async function runOk(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    throw new Error(`command failed (exit ${r.code}): ${argv.join(" ")}\n${r.stdout}\n${r.stderr}`.trimEnd());
  }
  return r;
}

export interface Daemon {
  name: string;
  pid: number;
  exe: string;
  log: string;
}

/**
 * Starts a long-running process with stdout+stderr appended to `log`. The child is
 * unref'd so it never keeps the test runner alive; teardown stops it explicitly.
 */
export function startDaemon(name: string, argv: string[], log: string, env: Record<string, string> = {}): Daemon {
  const bin = argv[0];
  if (!bin) throw new Error(`${name}: empty argv`);
  const exe = resolveExe(bin);
  const fd = openSync(log, "a");
  try {
    const proc = Bun.spawn(argv, { env: { ...process.env, ...env }, stdin: "ignore", stdout: fd, stderr: fd });
    proc.unref();
    return { name, pid: proc.pid, exe, log };
  } finally {
    closeSync(fd);
  }
}

function resolveExe(bin: string): string {
  const path = bin.includes("/") ? bin : Bun.which(bin);
  if (!path) throw new Error(`${bin}: not found on PATH`);
  return realpathSync(path);
}

/** True when `pid` is alive and still executes `exe` (guards against PID reuse). */
export function isOurs(pid: number, exe: string): boolean {
  try {
    return realpathSync(readlinkSync(`/proc/${pid}/exe`)) === exe;
  } catch {
    return false;
  }
}

/** A zombie (exited, not yet reaped) counts as gone. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** "pid starttime": identifies a process across PID reuse (field 22 of /proc/pid/stat). */
export function processId(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return `${pid} ${fields[19] ?? ""}`;
  } catch {
    return `${pid} gone`;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Only if the PID is still ours. */
export async function stopPid(pid: number, exe: string, graceMs = 15_000): Promise<void> {
  if (!isOurs(pid, exe)) return;
  process.kill(pid, "SIGTERM");
  const end = Date.now() + graceMs;
  while (Date.now() < end) {
    if (!isRunning(pid)) return;
    await Bun.sleep(100);
  }
  if (isOurs(pid, exe)) process.kill(pid, "SIGKILL");
  for (let i = 0; i < 50 && isRunning(pid); i++) await Bun.sleep(100);
}

export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const all = readFileSync(file, "utf8").trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}

const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1, never the same one twice in a run. */
export function freePort(): number {
  for (let i = 0; i < 50; i++) {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = server.port;
    server.stop(true);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("no free port on 127.0.0.1");
}

/** Polls `check` until it returns true; fails early when `daemon` died. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  daemon?: Daemon,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (daemon && !isRunning(daemon.pid)) throw new Error(`${daemon.name} exited while waiting for ${what}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(200);
  }
}
