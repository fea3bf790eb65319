/**
 * Looking for secrets where they must not be: in text (raw, or base64 at any alignment inside a
 * larger encoded value, such as a docker `auth` field), in every process's command line while a
 * run goes on, and in files left in (or passing through) the directories a run writes to.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/** Strings that betray `secret`: itself, and the base64 characters that only it determines at each of the three alignments. */
export function secretForms(secret: string): string[] {
  const forms = [secret];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.from("xy".slice(0, shift) + secret).toString("base64");
    // Characters mixing the prefix (first group) or the padding (last group) are left out.
    forms.push(encoded.slice(shift === 0 ? 0 : 4, -4));
  }
  return forms;
}

export interface Needle {
  /** What is sought, for messages (never the value). */
  readonly name: string;
  readonly forms: readonly string[];
}

export function needle(name: string, secret: string): Needle {
  return { name, forms: secretForms(secret) };
}

/** Names of the needles found in `text` (empty when clean). */
export function findSecrets(text: string, needles: readonly Needle[]): string[] {
  return needles.filter((n) => n.forms.some((f) => text.includes(f))).map((n) => n.name);
}

/** Every file under `root` (symlinks not followed), with its mode. */
export function filesUnder(root: string): { path: string; mode: number; size: number }[] {
  const found: { path: string; mode: number; size: number }[] = [];
  const visit = (dir: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed while we looked
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) {
        try {
          const st = statSync(path);
          found.push({ path, mode: st.mode & 0o777, size: st.size });
        } catch {
          // removed while we looked
        }
      }
    }
  };
  visit(root);
  return found;
}

/** Files under `roots` holding a secret: `path (needle names)`. Reads files up to `maxBytes`. */
export function filesWithSecrets(roots: readonly string[], needles: readonly Needle[], maxBytes = 16 << 20): { scanned: number; hits: string[] } {
  let scanned = 0;
  const hits: string[] = [];
  for (const root of roots) {
    for (const file of filesUnder(root)) {
      if (file.size > maxBytes) continue;
      let text: string;
      try {
        text = readFileSync(file.path, "latin1");
      } catch {
        continue;
      }
      scanned++;
      const found = findSecrets(text, needles);
      if (found.length > 0) hits.push(`${file.path} (${found.join(", ")})`);
    }
  }
  return { scanned, hits };
}

export interface SampleReport {
  readonly sweeps: number;
  /** Command lines read, summed over sweeps (every process on the machine, each sweep). */
  readonly cmdlines: number;
  /** Distinct (pid, command line) pairs seen. */
  readonly distinct: number;
  /** The run's own process tree: harmony and its descendants, by program name (helm: 3, docker: 2…). */
  readonly tree: Record<string, number>;
  /** `pid (program): needle names` of command lines holding a secret, any process. */
  readonly leaks: string[];
  /** Small files under the watched directory that held a secret while the run went on, with their modes. */
  readonly credentialFiles: { path: string; mode: number; dirMode: number }[];
}

interface Seen {
  readonly pid: number;
  readonly ppid: number;
  readonly program: string;
  /** For the tree's root: the directory it runs in. */
  readonly cwd: string | undefined;
}

function readProcess(pid: string, binary: string): { line: string; seen: Seen } | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ").trim();
    if (line === "") return undefined; // kernel threads
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const argv0 = line.split(" ")[0]!;
    const cwd = argv0 === binary ? readlinkSync(`/proc/${pid}/cwd`) : undefined;
    return { line, seen: { pid: Number(pid), ppid, program: argv0.split("/").at(-1)!, cwd } };
  } catch {
    return undefined; // exited between readdir and read
  }
}

/**
 * Reads /proc/<pid>/cmdline of every process about every 20 ms until stopped, and looks through
 * the small files under `watchDir` (the run's TMPDIR) so a credentials file that lives only for a
 * deploy is seen, with its permissions. `root` names the run (its binary and working directory)
 * so the report can show that its children — helm, docker — were among the processes read.
 */
export function sampleProcesses(needles: readonly Needle[], watchDir: string, root: { binary: string; cwd: string }): { stop(): Promise<SampleReport> } {
  let running = true;
  const seen = new Map<string, Seen>();
  const leaks = new Set<string>();
  const files = new Map<string, { path: string; mode: number; dirMode: number }>();
  let sweeps = 0;
  let cmdlines = 0;
  const sweep = () => {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const read = readProcess(pid, root.binary);
      if (!read) continue;
      cmdlines++;
      seen.set(`${pid} ${read.line}`, read.seen);
      const found = findSecrets(read.line, needles);
      if (found.length > 0) leaks.add(`pid ${pid} (${read.seen.program}): ${found.join(", ")}`);
    }
    for (const file of filesUnder(watchDir)) {
      if (file.size > 64 << 10 || files.has(file.path)) continue;
      let text = "";
      try {
        text = readFileSync(file.path, "latin1");
      } catch {
        continue;
      }
      if (findSecrets(text, needles).length === 0) continue;
      try {
        files.set(file.path, { path: file.path, mode: file.mode, dirMode: statSync(dirname(file.path)).mode & 0o777 });
      } catch {
        files.set(file.path, { path: file.path, mode: file.mode, dirMode: -1 }); // its directory went away in between
      }
    }
    sweeps++;
  };
  const loop = (async () => {
    while (running) {
      sweep();
      await Bun.sleep(20);
    }
    sweep();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { sweeps, cmdlines, distinct: seen.size, tree: processTree([...seen.values()], root.cwd), leaks: [...leaks], credentialFiles: [...files.values()] };
    },
  };
}

/** Programs in the trees rooted at the run's binary started in `cwd`, counted by name. */
function processTree(all: readonly Seen[], cwd: string): Record<string, number> {
  const inTree = new Set(all.filter((p) => p.cwd === cwd).map((p) => p.pid));
  for (let grown = true; grown; ) {
    grown = false;
    for (const p of all) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grown = true;
      }
    }
  }
  const counts: Record<string, number> = {};
  for (const p of new Map(all.filter((x) => inTree.has(x.pid)).map((x) => [`${x.pid} ${x.program}`, x])).values()) counts[p.program] = (counts[p.program] ?? 0) + 1;
  return counts;
}
