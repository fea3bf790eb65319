import { COMMANDS } from "./commands/index.ts";

/** Moves a `--<command>` flag to the front when no command word was given. */
export function normalizeArgv(argv: readonly string[]): string[] {
  const args = [...argv];
  if (args[0] !== undefined && !args[0].startsWith("-")) return args;
  const index = args.findIndex((a) => a.startsWith("--") && a.slice(2) in COMMANDS);
  if (index >= 0) {
    const [flag] = args.splice(index, 1);
    args.unshift(flag!.slice(2));
  }
  return args;
}
