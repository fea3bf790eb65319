#!/usr/bin/env bun
/**
 * harmony's entry point. Also accepts the flag form used in workflow files
 * (`harmony --release --from-tag T` is `harmony release --from-tag T`).
 */
import { runCommand } from "citty";
import { HarmonyError } from "../capabilities/errors.ts";
import { COMMANDS } from "./commands/index.ts";
import { EXIT } from "./exit-codes.ts";
import { Output } from "./output.ts";
import { closest } from "./suggest.ts";
import { normalizeArgv } from "./argv.ts";
import pkg from "../package.json" with { type: "json" };

const PROGRAM = "harmony";

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.description}`);
  return [
    `${PROGRAM} ${pkg.version} — from a git tag to production`,
    "",
    `Usage: ${PROGRAM} <command> [flags]     (or ${PROGRAM} --release --from-tag <app>-v<semver>)`,
    "",
    "Commands:",
    ...lines,
    "",
    `Run \`${PROGRAM} <command> --help\` for a command's flags. Exit codes: 0 ok, 1 failed, 2 usage/config, 130 interrupted.`,
  ].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const args = normalizeArgv(argv);
  const first = args[0];
  if (first === "--version" || first === "-v") return (process.stdout.write(`${pkg.version}\n`), EXIT.ok);
  if (first === undefined || first === "--help" || first === "-h" || first === "help") return (process.stdout.write(`${usage()}\n`), EXIT.ok);
  const entry = COMMANDS[first];
  if (entry === undefined) {
    const guess = closest(first.replace(/^-+/, ""), Object.keys(COMMANDS));
    throw new HarmonyError("usage", `unknown command "${first}"`, { hint: `${guess ? `did you mean \`${guess}\`? ` : ""}run \`${PROGRAM} --help\`` });
  }
  const command = await entry.load();
  const rest = args.slice(1);
  if (rest.includes("--help") || rest.includes("-h")) {
    const { renderUsage } = await import("citty");
    process.stdout.write(`${await renderUsage(command)}\n`);
    return EXIT.ok;
  }
  await runCommand(command, { rawArgs: rest });
  return EXIT.ok;
}

const argv = process.argv.slice(2);
const output = () => new Output({ json: argv.includes("--json"), debug: argv.includes("--debug") });
// If the event loop ever runs dry before the command settled (a forgotten await, an unref'd worker),
// that is a bug, and it must not look like success to a CI runner.
let settled = false;
process.on("beforeExit", () => {
  if (!settled) process.exit(output().error(new Error("internal error: harmony stopped before the command finished (please report this)")));
});
main(argv).then(
  (code) => ((settled = true), process.exit(code)),
  (error: unknown) => ((settled = true), process.exit(output().error(error))),
);
