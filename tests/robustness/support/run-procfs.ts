/**
 * The process table from /proc: who descends from whom, and who is still in a process group.
 * A pid alone can be reused, so a process is named by its pid and its start time (field 22 of
 * /proc/PID/stat, in clock ticks since boot).
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessId {
  readonly pid: number;
  readonly start: string;
  readonly command: string;
}

interface Stat extends ProcessId {
  readonly ppid: number;
  readonly pgid: number;
  readonly state: string;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "PID (COMMAND) STATE PPID PGRP …": the command may hold spaces and parentheses.
  const close = text.lastIndexOf(")");
  const command = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  return { pid, command, state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]), start: fields[19]! };
}

function all(): Stat[] {
  const out: Stat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Every live process whose parent chain leads to `root` (not `root` itself). */
export function descendantsOf(root: number): ProcessId[] {
  const table = all();
  const children = new Map<number, Stat[]>();
  for (const s of table) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const found: ProcessId[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (c.state === "Z") continue;
      found.push({ pid: c.pid, start: c.start, command: c.command });
      queue.push(c.pid);
    }
  }
  return found;
}

/** Live (not zombie) members of process group `pgid`. */
export function processGroupMembers(pgid: number): ProcessId[] {
  return all()
    .filter((s) => s.pgid === pgid && s.state !== "Z")
    .map((s) => ({ pid: s.pid, start: s.start, command: s.command }));
}

/** The same process (pid and start time) is still running. */
export function processAlive(p: ProcessId): boolean {
  const now = stat(p.pid);
  return now !== undefined && now.start === p.start && now.state !== "Z";
}

/** `docker build`, `helm upgrade`: the program's name and its first argument, or "" once it is gone. */
export function commandLine(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((a) => a !== "");
    return [argv[0]?.split("/").at(-1), argv[1]].filter((a) => a !== undefined).join(" ");
  } catch {
    return "";
  }
}
