/**
 * The file the gitops adapter writes per release and target: helm's rendered manifests under a
 * header that says what they are, so `current()` can read the state back from the file alone and
 * a reviewer of the commit sees app, version and chart at the top.
 */
import type { ReleaseState } from "../../../capabilities/index.ts";

export interface RenderedHeader {
  readonly app: string;
  readonly version: string;
  readonly target: string;
  readonly chart: string;
  readonly chartVersion: string;
  readonly revision: number;
}

const KEYS = ["app", "version", "target", "chart", "chartVersion", "revision"] as const;

export function renderFile(header: RenderedHeader, manifests: string): string {
  const lines = [
    "# Rendered by harmony (helm template): do not edit, the next deploy replaces this file.",
    ...KEYS.map((k) => `# harmony.${k}: ${header[k]}`),
  ];
  return `${lines.join("\n")}\n${manifests.endsWith("\n") ? manifests : `${manifests}\n`}`;
}

export function readHeader(text: string): RenderedHeader | undefined {
  const found: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("#")) break;
    const m = /^# harmony\.(\w+): (.*)$/.exec(line);
    if (m) found[m[1]!] = m[2]!;
  }
  if (!KEYS.every((k) => found[k] !== undefined)) return undefined;
  const revision = Number(found.revision);
  if (!Number.isInteger(revision)) return undefined;
  return { app: found.app!, version: found.version!, target: found.target!, chart: found.chart!, chartVersion: found.chartVersion!, revision };
}

/** The same render under a new revision number (a rollback writes an old render anew). */
export function withRevision(text: string, revision: number): string {
  return text.replace(/^# harmony\.revision: .*$/m, `# harmony.revision: ${revision}`);
}

export function stateOf(header: RenderedHeader): ReleaseState {
  return { revision: header.revision, chartVersion: header.chartVersion, status: "deployed" };
}
