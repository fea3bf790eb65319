/**
 * Build args reach docker and buildah through the child's environment (`--build-arg NAME` takes
 * the value from there), so their values never show in the process table: a token passed as a
 * build arg is a mistake, but not one we make worse. Only when NAME is already set in the
 * environment to something else (PATH, DOCKER_HOST, …) is the value passed inline instead,
 * since overriding it would change how the tool itself runs.
 */
import type { ToolEnv } from "./tool.ts";

export interface BuildArgs {
  readonly argv: string[];
  readonly env: Record<string, string>;
}

export function buildArgsFor(args: Readonly<Record<string, string>>, env: ToolEnv): BuildArgs {
  const out: BuildArgs = { argv: [], env: {} };
  for (const [name, value] of Object.entries(args).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const taken = env[name] !== undefined && env[name] !== value;
    if (taken || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      out.argv.push("--build-arg", `${name}=${value}`);
    } else {
      out.argv.push("--build-arg", name);
      out.env[name] = value;
    }
  }
  return out;
}
