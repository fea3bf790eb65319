/**
 * What `harmony init` can guess about a repository: where the Dockerfiles are, which chart (if any)
 * belongs to each, and which port the image exposes.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

const SKIP = new Set(["node_modules", ".git", "dist", "target", "vendor", ".harmony", ".cache"]);
const MAX_DEPTH = 4;

export interface DiscoveredApp {
  readonly name: string;
  /** Relative to the repository root ("." for the root). */
  readonly projectRoot: string;
  readonly dockerfile: string;
  /** Chart directory relative to projectRoot, when one was found. */
  readonly chart?: string;
  readonly port: number;
}

function walk(dir: string, depth: number, found: string[]): void {
  if (depth > MAX_DEPTH) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !SKIP.has(entry.name) && !entry.name.startsWith(".")) walk(join(dir, entry.name), depth + 1, found);
    else if (entry.isFile() && (entry.name === "Dockerfile" || entry.name === "Containerfile")) found.push(join(dir, entry.name));
  }
}

/** A DNS-label-safe name from a directory name. */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").replace(/-{2,}/g, "-");
  return (s || "app").slice(0, 40).replace(/-+$/, "");
}

function exposedPort(dockerfile: string): number {
  const match = /^\s*EXPOSE\s+(\d+)/im.exec(readFileSync(dockerfile, "utf8"));
  return match ? Number(match[1]) : 8080;
}

function chartNear(root: string, appDir: string, app: string): string | undefined {
  const candidates = [appDir, join(appDir, "chart"), join(appDir, "charts", basename(appDir)), join(appDir, "deploy", "chart"), join(root, "charts", app), join(root, "charts", basename(appDir))];
  const hit = candidates.find((c) => existsSync(join(c, "Chart.yaml")));
  return hit === undefined ? undefined : relative(appDir, hit) || ".";
}

export function discoverApps(root: string): DiscoveredApp[] {
  const dockerfiles: string[] = [];
  walk(root, 0, dockerfiles);
  const repo = slug(basename(root));
  return dockerfiles.sort().map((dockerfile) => {
    const appDir = dirname(dockerfile);
    const rel = relative(root, appDir) || ".";
    const name = rel === "." ? repo : slug(`${repo}-${basename(appDir)}`);
    const chart = chartNear(root, appDir, basename(appDir));
    return { name, projectRoot: rel, dockerfile: basename(dockerfile), ...(chart === undefined ? {} : { chart }), port: exposedPort(dockerfile) };
  });
}
