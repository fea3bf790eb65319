/**
 * Reads a chart directory the way `helm package` walks it (pkg/chart/loader/directory.go): names
 * sorted per directory, `.helmignore` applied to files and whole directories, symbolic links followed,
 * irregular files refused, a UTF-8 byte-order mark stripped from every file. Where helm is lax we are
 * strict: a link that resolves outside the chart is refused (helm packages whatever it points at),
 * and so is a link cycle (helm recurses until it runs out of stack).
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, sep } from "node:path";
import { HarmonyError } from "../../capabilities/index.ts";
import { byBytes, MAX_FILE_BYTES, tooLarge, withoutBom, type ChartFile, type ChartFiles } from "./chart-files.ts";
import { HelmignoreError, isIgnored, parseHelmignore, type IgnoreRules } from "./helmignore.ts";

function readRules(root: string): IgnoreRules {
  const file = join(root, ".helmignore");
  if (!existsSync(file)) return parseHelmignore("");
  try {
    return parseHelmignore(readFileSync(file, "utf8"));
  } catch (error) {
    if (!(error instanceof HelmignoreError)) throw error;
    throw new HarmonyError("config", `${file}:${error.line}: ${error.message}`, {
      issues: [{ file, line: error.line, col: 1, path: ".helmignore", message: error.message }],
      hint: "helm reads .helmignore with Go's filepath.Match: no **, and character classes must be closed",
    });
  }
}

class Walk {
  readonly files: ChartFile[] = [];
  private readonly rules: IgnoreRules;
  private readonly realRoot: string;
  /** Real paths of the directories being walked, to stop at a link back to an ancestor. */
  private readonly open = new Set<string>();

  constructor(private readonly root: string) {
    this.rules = readRules(root);
    this.realRoot = realpathSync(root);
  }

  private fail(path: string, why: string, hint?: string): HarmonyError {
    return new HarmonyError("config", `${this.root}: ${path} ${why}`, hint === undefined ? {} : { hint });
  }

  /** What a symbolic link resolves to, or undefined for a dangling link. */
  private follow(absolute: string): { real: string; stats: Stats } | undefined {
    try {
      const real = realpathSync(absolute);
      return { real, stats: statSync(real) };
    } catch {
      return undefined;
    }
  }

  private inside(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot + sep);
  }

  directory(absolute: string, path: string): void {
    const real = realpathSync(absolute);
    if (this.open.has(real)) throw this.fail(path, "is a symbolic link back into one of its own parent directories (a cycle)");
    this.open.add(real);
    for (const name of readdirSync(absolute).sort(byBytes)) {
      this.entry(join(absolute, name), path === "" ? name : `${path}/${name}`);
    }
    this.open.delete(real);
  }

  private entry(absolute: string, path: string): void {
    let stats = lstatSync(absolute);
    if (stats.isSymbolicLink()) {
      const target = this.follow(absolute);
      if (target === undefined) {
        if (isIgnored(this.rules, path, false)) return;
        throw this.fail(path, "is a symbolic link to nothing", "remove the link or list it in .helmignore");
      }
      if (isIgnored(this.rules, path, target.stats.isDirectory())) return;
      if (!this.inside(target.real)) {
        throw this.fail(path, `is a symbolic link to ${target.real}, outside the chart`, "copy the file into the chart, or list the link in .helmignore");
      }
      stats = target.stats;
    } else if (isIgnored(this.rules, path, stats.isDirectory())) {
      return;
    }
    if (stats.isDirectory()) return this.directory(absolute, path);
    if (!stats.isFile()) throw this.fail(path, "is not a regular file (a device, socket or pipe)", "list it in .helmignore");
    if (stats.size > MAX_FILE_BYTES) throw tooLarge(this.root, path, stats.size);
    this.files.push({ path, data: withoutBom(readFileSync(absolute)) });
  }
}

/** The chart's files, as helm would load them from `dir`. */
export function readChartDirectory(dir: string): ChartFiles {
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch {
    throw new HarmonyError("config", `chart directory ${dir} does not exist`);
  }
  if (!stats.isDirectory()) throw new HarmonyError("config", `chart directory ${dir} is not a directory`);
  const walk = new Walk(dir);
  walk.directory(dir, "");
  return { origin: dir, from: "directory", files: walk.files };
}
