/**
 * The one error type of harmony. Every layer throws it (or lets the unexpected through);
 * only cli/ turns it into text and an exit code, so tests can assert on its fields.
 */
export type ErrorKind = "usage" | "config" | "failed" | "interrupted";

/** A problem in a configuration file, kept structured until it is printed. */
export interface ConfigIssue {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted path into the document, e.g. `apps[1].image.dockerfile`. */
  readonly path: string;
  readonly message: string;
}

export interface HarmonyErrorOptions {
  /** What the user can do about it. */
  readonly hint?: string;
  readonly issues?: readonly ConfigIssue[];
  readonly cause?: unknown;
}

export class HarmonyError extends Error {
  override readonly name = "HarmonyError";
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly issues: readonly ConfigIssue[];

  constructor(kind: ErrorKind, message: string, options: HarmonyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.hint = options.hint;
    this.issues = options.issues ?? [];
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}  ${issue.path}: ${issue.message}`;
}
