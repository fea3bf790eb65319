/** Where a finished run's record goes besides the terminal: --report FILE and the CI's step summary. */
import { appendFile, writeFile } from "node:fs/promises";
import type { Reporter } from "../../capabilities/index.ts";
import { markdownSummary, type RunDocument } from "./document.ts";

export async function writeReports(
  doc: RunDocument,
  options: { reportFile: string | undefined; env: Readonly<Record<string, string | undefined>>; reporter: Reporter },
): Promise<void> {
  if (options.reportFile) await writeFile(options.reportFile, `${JSON.stringify(doc, null, 2)}\n`);
  const summary = options.env.GITHUB_STEP_SUMMARY;
  if (summary) {
    try {
      await appendFile(summary, markdownSummary(doc));
    } catch (error) {
      // A summary is a courtesy: failing to write it must not fail a release that succeeded.
      options.reporter.warn(`could not append to GITHUB_STEP_SUMMARY: ${(error as Error).message}`);
    }
  }
}
