// Run state of the test world: one temp dir per test run (/tmp/harmony-world-XXXXXX),
// a LIFO list of teardown steps, and a journal of the daemons we started. The journal
// lets a later run reap what a crashed (e.g. SIGKILLed) run left behind, still by PID.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K8S_SH, K8S_CACHE } from "./paths.ts";
import { type Daemon, isOurs, stopPid } from "./proc.ts";

const PREFIX = "harmony-world-";
let dir: string | undefined;
const steps: { what: string; fn: () => Promise<void> | void }[] = [];

/** The run's temp dir, created on first use (after reaping leftovers of dead runs). */
export function runDir(): string {
  if (dir) return dir;
  reapStale();
  dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, "owner"), String(process.pid));
  return dir;
}

export function subdir(...names: string[]): string {
  const d = join(runDir(), ...names);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Records a daemon in the journal and schedules its stop at teardown. */
export function track(d: Daemon, graceMs?: number): Daemon {
  appendFileSync(join(runDir(), "daemons.jsonl"), JSON.stringify(d) + "\n");
  onTeardown(`stop ${d.name} (pid ${d.pid})`, () => stopPid(d.pid, d.exe, graceMs));
  return d;
}

export function onTeardown(what: string, fn: () => Promise<void> | void): void {
  steps.push({ what, fn });
}

let tearing: Promise<void> | undefined;

/** Runs every teardown step (newest first), then removes the run dir. Idempotent, single-flight. */
export function teardown(): Promise<void> {
  tearing ??= runSteps().finally(() => (tearing = undefined));
  return tearing;
}

async function runSteps(): Promise<void> {
  const errors: string[] = [];
  while (steps.length) {
    const step = steps.pop()!;
    try {
      await step.fn();
    } catch (e) {
      errors.push(`${step.what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (dir) {
    const left = removeRunDir(dir);
    if (left) errors.push(left);
    dir = undefined;
  }
  if (errors.length) throw new Error(`test world teardown had problems:\n${errors.join("\n")}`);
}

/** Unmounts anything left below `d` (deepest first) and deletes it; returns a problem or "". */
function removeRunDir(d: string): string {
  for (const m of mountsBelow(d)) Bun.spawnSync(["umount", "-l", m]);
  const still = mountsBelow(d);
  if (still.length) return `mounts remain below ${d}: ${still.join(", ")}; not deleting it`;
  rmSync(d, { recursive: true, force: true });
  return "";
}

function mountsBelow(d: string): string[] {
  const lines = readFileSync("/proc/mounts", "utf8").split("\n");
  const points = lines.map((l) => (l.split(" ")[1] ?? "").replace(/\\040/g, " "));
  return points.filter((p) => p.startsWith(d + "/")).sort().reverse();
}

/** Leftovers of runs whose owning process is gone: stop their daemons, remove their dirs. */
function reapStale(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const d = join(tmpdir(), name);
    const owner = Number(readOrEmpty(join(d, "owner")));
    if (!owner || alive(owner)) continue;
    reapDir(d);
  }
}

function reapDir(d: string): void {
  console.error(`[world] reaping leftovers of a dead test run in ${d}`);
  // The cluster first: its pods live in that run's dockerd.
  if (existsSync(join(d, "k8s.current"))) {
    const dockerHost = readOrEmpty(join(d, "docker.host"));
    Bun.spawnSync(["bash", K8S_SH, "down"], {
      env: { ...process.env, K8S_CACHE, K8S_STATE_LINK: join(d, "k8s.current"), DOCKER_HOST: dockerHost || undefined },
      stdout: "ignore",
      stderr: "ignore",
    });
  }
  const daemons = readOrEmpty(join(d, "daemons.jsonl"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Daemon)
    .reverse();
  for (const dm of daemons) {
    if (!isOurs(dm.pid, dm.exe)) continue;
    process.kill(dm.pid, "SIGTERM");
    for (let i = 0; i < 300 && isOurs(dm.pid, dm.exe); i++) Bun.sleepSync(100);
    if (isOurs(dm.pid, dm.exe)) process.kill(dm.pid, "SIGKILL");
  }
  const problem = removeRunDir(d);
  if (problem) console.error(`[world] ${problem}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readOrEmpty(f: string): string {
  try {
    return readFileSync(f, "utf8").trim();
  } catch {
    return "";
  }
}

