/**
 * The only place that prints. Human output goes through consola (colour off under NO_COLOR or
 * when not a TTY); --json prints exactly one JSON document on stdout.
 *
 * consola/core with our own one-line reporter: the full consola entry costs ~30 ms of start-up
 * (measured in tests/bench/startup.ts), more than everything else harmony loads.
 */
import { createConsola, type ConsolaInstance, type LogObject } from "consola/core";
import { formatIssue, HarmonyError, type Reporter } from "../capabilities/index.ts";
import { exitCodeFor } from "./exit-codes.ts";

/** Set once a document went to stdout: --json promises exactly one per process. */
let documentPrinted = false;

export interface OutputOptions {
  readonly json: boolean;
  readonly debug: boolean;
}

export class Output {
  readonly json: boolean;
  readonly debugEnabled: boolean;
  private readonly consola: ConsolaInstance;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.debugEnabled = options.debug;
    this.consola = createConsola({
      level: options.debug ? 4 : 3,
      reporters: [{ log: (entry) => process.stderr.write(`${lineFor(entry, useColor())}\n`) }],
    });
  }

  /** A reporter for scores and adapters. */
  reporter(): Reporter {
    return {
      info: (m) => this.consola.info(m),
      warn: (m) => this.consola.warn(m),
      debug: (m) => this.consola.debug(m),
    };
  }

  /** Plain text for the user (tables, plans) — suppressed in --json mode. */
  text(line: string): void {
    if (!this.json) process.stdout.write(`${line}\n`);
  }

  success(message: string): void {
    if (!this.json) this.consola.success(message);
  }

  document(value: unknown): void {
    documentPrinted = true;
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints an error the way the user needs it and returns the exit code. */
  error(error: unknown): number {
    if (!(error instanceof HarmonyError)) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.json) this.document({ error: { kind: "failed", message } });
      else {
        this.consola.error(message);
        if (this.debugEnabled && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
        else process.stderr.write("(run with --debug for the stack)\n");
      }
      return 1;
    }
    if (this.json) {
      // A failed run already printed its report (with the failure in it): don't add a second document.
      if (!documentPrinted) this.document({ error: { kind: error.kind, message: error.message, hint: error.hint, issues: error.issues } });
      else process.stderr.write(`error: ${error.message}\n`);
    } else {
      this.consola.error(error.message);
      for (const issue of error.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
      if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
      if (this.debugEnabled && error.stack) process.stderr.write(`${error.stack}\n`);
    }
    return exitCodeFor(error.kind);
  }
}

const PREFIX: Record<string, { text: string; color: number }> = {
  error: { text: "error", color: 31 },
  fatal: { text: "error", color: 31 },
  warn: { text: "warn", color: 33 },
  success: { text: "ok", color: 32 },
  debug: { text: "debug", color: 90 },
};

function useColor(): boolean {
  return !process.env.NO_COLOR && process.stderr.isTTY === true;
}

/** `error: message` — plain words so CI logs stay greppable; colour only on a TTY. */
function lineFor(entry: LogObject, color: boolean): string {
  const message = entry.args.map((a) => (typeof a === "string" ? a : String(a))).join(" ");
  const prefix = PREFIX[entry.type];
  if (prefix === undefined) return message;
  return color ? `\x1b[${prefix.color}m${prefix.text}:\x1b[0m ${message}` : `${prefix.text}: ${message}`;
}
