/** What `release` and `plan` both start from: the manifest, the tag, the topology — all checked before any work. */
import { HarmonyError } from "../capabilities/index.ts";
import { selectTopology, type TopologyChoice } from "../topologies/select.ts";
import { loadManifest, type Manifest } from "./manifest/load.ts";
import { parseReleaseTag, tagFromCiEnv, type ReleaseTag } from "./tag.ts";

export interface ResolvedRelease {
  readonly manifest: Manifest;
  readonly tag: ReleaseTag;
  readonly topology: TopologyChoice;
}

export function resolveRelease(args: { manifest: string; fromTag?: string | undefined; topology?: string | undefined }): ResolvedRelease {
  const env = process.env;
  const rawTag = args.fromTag ?? tagFromCiEnv(env);
  if (rawTag === undefined || rawTag === "") {
    throw new HarmonyError("usage", "no release tag: pass --from-tag <app>-v<semver>", {
      hint: "in CI the tag is read from GITHUB_REF_NAME/GITHUB_REF (GitHub, Gitea) or CI_COMMIT_TAG (GitLab) on tag builds",
    });
  }
  const manifest = loadManifest(args.manifest);
  const tag = parseReleaseTag(rawTag, manifest.apps.map((a) => a.name));
  const topology = selectTopology(args.topology, env);
  return { manifest, tag, topology };
}
