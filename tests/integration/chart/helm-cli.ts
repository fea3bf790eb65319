/** The real helm binaries (3.17, 4.1) run against our chart archives. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, runOk, world, type RunResult } from "../../world/index.ts";

export const MAJORS = [3, 4] as const;
export type Major = (typeof MAJORS)[number];

export async function helm(major: Major, args: string[]): Promise<RunResult> {
  const part = await world.helm(major);
  return runOk([part.helm, ...args], { env: part.env });
}

export async function helmMayFail(major: Major, args: string[]): Promise<RunResult> {
  const part = await world.helm(major);
  return run([part.helm, ...args], { env: part.env });
}

/** `helm package DIR --version V` into a fresh directory; the archive's entry names in order. */
export async function helmPackageEntries(major: Major, dir: string, version: string): Promise<string[]> {
  const out = mkdtempSync(join(tmpdir(), `harmony-helm${major}-package-`));
  const result = await helm(major, ["package", dir, "--version", version, "--destination", out]);
  const archive = /saved it to: (.+\.tgz)/.exec(result.stdout)?.[1];
  if (archive === undefined) throw new Error(`no archive in helm package output:\n${result.stdout}`);
  return tarList(archive);
}

export async function tarList(archive: string): Promise<string[]> {
  const listed = await runOk(["tar", "-tzf", archive]);
  return listed.stdout.trim().split("\n");
}
