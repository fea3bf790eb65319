/** Runs the compiled binary the way a CI step would, building it first when it is missing. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BINARY = resolve(ROOT, "dist/harmony");

export async function ensureBinary(): Promise<string> {
  if (existsSync(BINARY)) return BINARY;
  const build = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if ((await build.exited) !== 0) throw new Error(`bun run build failed: ${await new Response(build.stderr).text()}`);
  return BINARY;
}

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function harmony(args: string[], options: { cwd?: string; env?: Record<string, string>; binary?: string } = {}): Promise<Ran> {
  // A clean environment: no CI markers leak in from the runner unless a test sets them.
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", NO_COLOR: "1", ...options.env };
  const child = Bun.spawn([options.binary ?? BINARY, ...args], { cwd: options.cwd ?? ROOT, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}
