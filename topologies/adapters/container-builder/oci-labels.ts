/**
 * The OCI annotation labels every image should carry (image-spec "pre-defined annotation keys"):
 * where it came from (source), from which commit (revision), which version, and when. The release
 * sets title and version; source and revision come from the CI's own environment when it has them
 * (GitHub and Gitea Actions, GitLab), so a laptop build simply goes without.
 */
import type { ToolEnv } from "./tool.ts";

const SOURCE = "org.opencontainers.image.source";
const REVISION = "org.opencontainers.image.revision";
const CREATED = "org.opencontainers.image.created";

export interface LabelOptions {
  /** Stamp `created`: true for daemon builds; a reproducible builder passes false. */
  readonly stampCreated: boolean;
  readonly now?: Date;
}

export function imageLabels(requested: Readonly<Record<string, string>>, env: ToolEnv, options: LabelOptions): Record<string, string> {
  const labels: Record<string, string> = {};
  const source = ciSource(env);
  const revision = env.GITHUB_SHA ?? env.CI_COMMIT_SHA;
  if (source !== undefined) labels[SOURCE] = source;
  if (revision !== undefined) labels[REVISION] = revision;
  // SOURCE_DATE_EPOCH is the reproducible-builds convention: honour it whenever it is set
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) labels[CREATED] = rfc3339(new Date(Number(epoch) * 1000));
  else if (options.stampCreated) labels[CREATED] = rfc3339(options.now ?? new Date());
  // what the release asked for wins over what we guessed
  return { ...labels, ...requested };
}

function ciSource(env: ToolEnv): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`;
  return env.CI_PROJECT_URL;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
