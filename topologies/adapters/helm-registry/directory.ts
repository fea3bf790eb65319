/**
 * HelmRegistry `directory`: chart archives in a folder, `<dir>/<name>-<version>.tgz` as `helm
 * package` names them — the zero-infrastructure default, and what a static chart repository serves.
 * An archive appears whole or not at all (written beside its final name, then renamed); the digest
 * is the archive's sha256; re-publishing identical bytes writes nothing.
 */
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { HarmonyError, type ChartPackage, type HelmRegistry, type PublishedChart, type WorkContext } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";

export interface DirectoryHelmRegistryConfig {
  /** Folder of the archives; relative to the directory of harmony.yaml. */
  readonly path: string;
}

/** Names and versions become file names: nothing that could step out of the folder. */
const SAFE_PART = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return `sha256:${hasher.digest("hex")}`;
}

/** The closest directory that exists at or above `path` (what must be writable to create it). */
function existingAncestor(path: string): string {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

export function createDirectoryHelmRegistry(config: DirectoryHelmRegistryConfig, env: AdapterEnv): HelmRegistry {
  const dir = resolve(env.projectDir, config.path);

  const archiveOf = (name: string, version: string): string => {
    for (const [what, value] of [["chart name", name], ["chart version", version]] as const) {
      if (!SAFE_PART.test(value) || value.includes("..")) throw new HarmonyError("config", `${what} "${value}" cannot name a file in ${dir}`);
    }
    return join(dir, `${name}-${version}.tgz`);
  };

  const published = (name: string, version: string, location: string, digest: string): PublishedChart => ({ name, version, location, digest });

  return {
    adapter: "directory",

    async preflight() {
      const ancestor = existingAncestor(dir);
      if (!statSync(ancestor).isDirectory()) return [`chart directory ${dir} cannot be created: ${ancestor} is a file; change helmRegistry.path`];
      try {
        accessSync(ancestor, constants.W_OK);
        return [];
      } catch {
        return [`chart directory ${dir} cannot be created or written (${ancestor} is not writable): change helmRegistry.path or its permissions`];
      }
    },

    async push(chart: ChartPackage, work: WorkContext): Promise<PublishedChart> {
      const target = archiveOf(chart.name, chart.version);
      if (!existsSync(chart.archivePath)) throw new HarmonyError("failed", `chart archive ${chart.archivePath} does not exist`);
      const digest = await sha256(chart.archivePath);
      if (existsSync(target)) {
        const current = await sha256(target);
        if (current === digest) {
          work.reporter.info(`chart ${chart.name} ${chart.version} already in ${dir} (${digest})`);
          return published(chart.name, chart.version, target, digest);
        }
        work.reporter.warn(`replacing chart ${chart.name} ${chart.version} in ${dir}: was ${current}, now ${digest}`);
      }
      mkdirSync(dir, { recursive: true });
      // Same folder as the target, so the rename is atomic; readers never see a partial archive.
      const partial = join(dir, `.${chart.name}-${chart.version}.tgz.${process.pid}.${Date.now()}.partial`);
      try {
        copyFileSync(chart.archivePath, partial);
        if (work.signal.aborted) throw new HarmonyError("interrupted", `interrupted before publishing chart ${chart.name} ${chart.version}`);
        renameSync(partial, target);
      } catch (error) {
        rmSync(partial, { force: true });
        if (error instanceof HarmonyError) throw error;
        throw new HarmonyError("failed", `cannot write chart ${chart.name} ${chart.version} to ${dir}: ${(error as Error).message}`, { cause: error });
      }
      work.reporter.info(`published chart ${chart.name} ${chart.version} to ${target} (${digest})`);
      return published(chart.name, chart.version, target, digest);
    },

    async resolve(name: string, version: string): Promise<PublishedChart | undefined> {
      const archive = archiveOf(name, version);
      if (!existsSync(archive)) return undefined;
      return published(name, version, archive, await sha256(archive));
    },
  };
}
