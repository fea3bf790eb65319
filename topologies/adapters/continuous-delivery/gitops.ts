/**
 * ContinuousDelivery by rendering: `helm template` of the published chart with its values, written
 * to `<path>/<target>/<release>.yaml` (one file per release and target) in a directory or a git
 * working copy that Argo CD or Flux watches — and, with `commit: true`, committed with a message
 * naming app, version and target. No cluster is contacted.
 *
 * Rollback writes back the render before the current one: from git history when committing (the
 * file as of the commit before the last one that touched it), else from the `.previous` copy
 * kept beside it (not `*.yaml`, so a controller reading the directory ignores it).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import {
  HarmonyError,
  type ContinuousDelivery,
  type DeployRequest,
  type DeployTarget,
  type ReleaseState,
  type WorkContext,
} from "../../../capabilities/index.ts";
import type { ContinuousDeliveryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { openWorkingCopy, type Git } from "./git.ts";
import { chartFetcher } from "./chart-fetch.ts";
import { chartSource, helmBinary, templateArgs } from "./helm-cli.ts";
import { lastLine, runProcess } from "./process.ts";
import { readHeader, renderFile, stateOf, withRevision, type RenderedHeader } from "./rendered-file.ts";
import { chartAccess, writeScratchFiles } from "./scratch-files.ts";

export type GitOpsDeliveryConfig = Extract<ContinuousDeliveryConfig, { adapter: "gitops" }>;

export function createGitOpsDelivery(config: GitOpsDeliveryConfig, env: AdapterEnv): ContinuousDelivery {
  const base = isAbsolute(config.path) ? config.path : resolve(env.projectDir, config.path);
  const fileFor = (target: DeployTarget) => join(base, target.name, `${target.releaseName}.yaml`);
  const previousOf = (file: string) => join(dirname(file), `.${basename(file)}.previous`);
  let git: Promise<Git> | undefined;
  const workingCopy = (work: WorkContext) => {
    mkdirSync(base, { recursive: true });
    return (git ??= openWorkingCopy(base, env.env, work));
  };
  /** Files a failed deploy did not touch, with their revision: rollback() leaves those alone. */
  const untouched = new Map<string, number>();
  const fetchChart = chartFetcher(env);

  function currentHeader(file: string): RenderedHeader | undefined {
    return existsSync(file) ? readHeader(readFileSync(file, "utf8")) : undefined;
  }

  async function render(request: DeployRequest, work: WorkContext): Promise<string> {
    const access = chartAccess(request.chart, env.env);
    const files = writeScratchFiles(request.values, request.chart, access, env.env, await fetchChart(request.chart, work));
    try {
      const source = chartSource(files, request.chart, access);
      const args = templateArgs(request.target.releaseName, request.target.namespace, source.chart, source.registry, files.valuesFile);
      const r = await runProcess([helmBinary(env.env), ...args], work, { env: env.env, label: "helm", echoStdout: false });
      if (work.signal.aborted) throw new HarmonyError("interrupted", `interrupted while rendering ${request.chart.name}`);
      if (r.code !== 0) throw new HarmonyError("failed", `helm template of ${request.chart.name} ${request.chart.version} failed: ${lastLine(r.stderr)}`);
      return r.stdout;
    } finally {
      files.dispose();
    }
  }

  /** Commits `file` alone (other staged changes stay staged); false when it did not change. */
  async function commit(file: string, message: string, work: WorkContext): Promise<boolean> {
    const g = await workingCopy(work);
    const path = relative(g.root, file);
    await g.run(["add", "--", path], work);
    if (await g.test(["diff", "--cached", "--quiet", "--", path], work)) return false;
    await g.run(["commit", "--quiet", "-m", message, "--", path], work);
    work.reporter.info(`committed ${path}: ${message.split("\n")[0]}`);
    return true;
  }

  async function deployTo(file: string, request: DeployRequest, work: WorkContext): Promise<ReleaseState> {
    if (config.commit) await workingCopy(work); // a config error before anything is rendered
    const before = currentHeader(file);
    const manifests = await render(request, work);
    const header = {
      app: request.app,
      version: request.version,
      target: request.target.name,
      chart: `${request.chart.location}${request.chart.digest ? `@${request.chart.digest}` : ""}`,
      chartVersion: request.chart.version,
      revision: (before?.revision ?? 0) + 1,
    };
    const text = renderFile(header, manifests);
    if (before !== undefined && withRevision(readFileSync(file, "utf8"), header.revision) === text) {
      work.reporter.info(`${relative(base, file)} already holds ${request.app} ${request.version}`);
      return stateOf(before);
    }
    mkdirSync(dirname(file), { recursive: true });
    const replaced = before === undefined ? undefined : readFileSync(file, "utf8");
    if (before !== undefined && !config.commit) renameSync(file, previousOf(file));
    writeFileSync(file, text);
    work.reporter.info(`rendered ${request.chart.name} ${request.chart.version} to ${file}`);
    if (config.commit) {
      try {
        await commit(file, `deploy ${request.app} ${request.version} to ${request.target.name}\n\nchart ${header.chart}`, work);
      } catch (error) {
        // An uncommitted render is not a deploy: put back what the repository holds.
        if (replaced === undefined) rmSync(file, { force: true });
        else writeFileSync(file, replaced);
        throw error;
      }
    }
    return stateOf(header);
  }

  /** The render before `now`: from git history when committing, else the kept `.previous`. */
  async function earlierRender(file: string, work: WorkContext): Promise<string | undefined> {
    if (!config.commit) {
      if (!existsSync(previousOf(file))) return undefined;
      const earlier = readFileSync(previousOf(file), "utf8");
      renameSync(file, previousOf(file));
      return earlier;
    }
    const g = await workingCopy(work);
    const path = relative(g.root, file);
    const commits = (await g.run(["log", "-n", "2", "--format=%H", "--", path], work)).split("\n").filter((l) => l !== "");
    return commits.length < 2 ? undefined : g.run(["show", `${commits[1]}:${path}`], work);
  }

  return {
    adapter: "gitops",
    // Writing the manifests is the deploy; Argo CD or Flux applies them later, so nothing runs yet.
    appliesImmediately: false,

    /** helm renders, and with `commit: true` the path is inside a git working copy. */
    async preflight(work) {
      const problems: string[] = [];
      const say = (error: unknown) => problems.push(error instanceof HarmonyError ? `${error.message}${error.hint ? ` (${error.hint})` : ""}` : String(error));
      try {
        helmBinary(env.env);
      } catch (error) {
        say(error);
      }
      if (config.commit) await workingCopy(work).catch(say);
      return problems;
    },

    async deploy(request, work) {
      const file = fileFor(request.target);
      untouched.delete(file);
      try {
        return await deployTo(file, request, work);
      } catch (error) {
        // Rendering (or the git check) failed before the file changed: nothing to undo.
        const header = currentHeader(file);
        if (header !== undefined && header.version !== request.version) untouched.set(file, header.revision);
        throw error;
      }
    },

    async current(target) {
      const header = currentHeader(fileFor(target));
      return header === undefined ? undefined : stateOf(header);
    },

    async rollback(target, work) {
      const file = fileFor(target);
      const now = currentHeader(file);
      if (now === undefined) return undefined;
      if (untouched.get(file) === now.revision) {
        untouched.delete(file);
        work.reporter.info(`${relative(base, file)} still holds ${now.app} ${now.version}: the failed deploy did not change it`);
        return stateOf(now);
      }
      const earlier = await earlierRender(file, work);
      if (earlier === undefined) return undefined;
      const back = readHeader(earlier);
      if (back === undefined) throw new HarmonyError("failed", `the earlier render of ${file} has no harmony header; roll back by hand`);
      const revision = now.revision + 1;
      writeFileSync(file, withRevision(earlier, revision));
      work.reporter.info(`${relative(base, file)}: back to ${back.app} ${back.version} (from ${now.version})`);
      if (config.commit) await commit(file, `rollback ${back.app} on ${target.name} to ${back.version} (from ${now.version})`, work);
      return { ...stateOf(back), revision };
    },
  };
}
