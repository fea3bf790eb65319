/** The few git commands the gitops adapter runs, with argument arrays, in one working copy. */
import { HarmonyError, type WorkContext } from "../../../capabilities/index.ts";
import type { Env } from "./helm-cli.ts";
import { lastLine, runProcess } from "./process.ts";

export interface Git {
  readonly root: string;
  run(args: readonly string[], work: WorkContext): Promise<string>;
  /** Exit code only, for questions git answers that way (`diff --quiet`). */
  test(args: readonly string[], work: WorkContext): Promise<boolean>;
}

/** An identity for commits when the machine has none configured (CI runners often do not). */
async function identityEnv(root: string, env: Env, work: WorkContext): Promise<Env> {
  const configured = await runProcess(["git", "-C", root, "config", "user.email"], work, { env, label: "git" });
  if (configured.code === 0 && configured.stdout.trim() !== "") return env;
  return {
    ...env,
    GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME ?? "harmony",
    GIT_AUTHOR_EMAIL: env.GIT_AUTHOR_EMAIL ?? "harmony@localhost",
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME ?? "harmony",
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL ?? "harmony@localhost",
  };
}

export async function openWorkingCopy(dir: string, env: Env, work: WorkContext): Promise<Git> {
  if (Bun.which("git", { PATH: env.PATH ?? process.env.PATH ?? "" }) === null) {
    throw new HarmonyError("config", "git is not installed, and the gitops adapter commits (commit: true)", { hint: "install git, or set commit: false" });
  }
  const top = await runProcess(["git", "-C", dir, "rev-parse", "--show-toplevel"], work, { env, label: "git" });
  if (top.code !== 0) {
    throw new HarmonyError("config", `${dir} is not inside a git working copy, and the gitops adapter commits (commit: true)`, {
      hint: "point path at a checkout of the repository Argo CD or Flux watches, or set commit: false",
    });
  }
  const root = top.stdout.trim();
  const childEnv = await identityEnv(root, env, work);
  return {
    root,
    async run(args, work) {
      const r = await runProcess(["git", "-C", root, ...args], work, { env: childEnv, label: "git", echoStdout: false });
      if (r.code !== 0) throw new HarmonyError("failed", `git ${args[0]} failed in ${root}: ${lastLine(r.stderr) || `exit ${r.code}`}`);
      return r.stdout;
    },
    async test(args, work) {
      return (await runProcess(["git", "-C", root, ...args], work, { env: childEnv, label: "git" })).code === 0;
    },
  };
}
