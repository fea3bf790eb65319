/**
 * Never build the same thing twice. Before building, look in the registry for an image tagged
 * with the content key (`cache-<hex>`): if it is there, the release re-tags it (no build, no blob
 * upload). Otherwise build, and say why by comparing with the key the previous build recorded.
 * Both the tag and the record live in the registry, so the cache survives ephemeral CI runners.
 *
 * The lead's release score calls `decideBuild` before ContainerBuilder.build and `recordBuild`
 * after OciRegistry.push.
 */
import {
  formatImageRef,
  withTag,
  type ImageArtifact,
  type ImageRef,
  type OciRegistry,
  type PublishedImage,
  type WorkContext,
} from "../../capabilities/index.ts";
import { explainChange } from "./explain.ts";
import type { ContentKey } from "./key.ts";

export const CACHE_TAG_PREFIX = "cache-";

/** The tag an image built for `key` carries in its repository: `cache-<64 hex>` (70 characters; tags allow 128). */
export function cacheTagFor(key: string): string {
  const hex = key.startsWith("sha256:") ? key.slice("sha256:".length) : key;
  if (!/^[a-f0-9]{64}$/.test(hex)) throw new RangeError(`not a sha256 content key: ${key}`);
  return `${CACHE_TAG_PREFIX}${hex}`;
}

/** Where the previous build's key (with its file manifest) is kept between runs. */
export interface KeyHistory {
  /** The key recorded by the last build pushed to `repository`, or undefined. */
  last(repository: ImageRef, work: WorkContext): Promise<ContentKey | undefined>;
  remember(repository: ImageRef, key: ContentKey, work: WorkContext): Promise<void>;
}

export type BuildDecision =
  | {
      readonly action: "reuse";
      /** The image already built for this key, pinned by digest. */
      readonly image: ImageRef & { readonly digest: string };
      /** Hand this to OciRegistry.push(artifact, versionTag): a re-tag inside the registry. */
      readonly artifact: ImageArtifact;
      readonly message: string;
    }
  | {
      readonly action: "build";
      /** Why, against the previous build: "Dockerfile changed", "src/app.ts changed", … */
      readonly reasons: readonly string[];
      /** Tag the pushed image with this afterwards (recordBuild does). */
      readonly cacheRef: ImageRef;
      /** The previous build's image, for DockerfileBuild.cacheFrom (layer reuse on a fresh runner). */
      readonly cacheFrom: readonly ImageRef[];
      readonly message: string;
    };

export interface DecideInput {
  readonly key: ContentKey;
  /** The app's repository (OciRegistry.repositoryFor(app)). */
  readonly repository: ImageRef;
  readonly registry: Pick<OciRegistry, "resolve">;
  readonly history?: KeyHistory;
}

export async function decideBuild(input: DecideInput, work: WorkContext): Promise<BuildDecision> {
  const cacheRef = withTag(input.repository, cacheTagFor(input.key.key));
  const digest = await input.registry.resolve(cacheRef, work);
  if (digest !== undefined) {
    const image = { ...cacheRef, digest };
    const message = `content unchanged (key ${short(input.key.key)}): re-using ${formatImageRef(image)} instead of building`;
    work.reporter.info(message);
    return { action: "reuse", image, artifact: { kind: "registry", ref: cacheRef, digest }, message };
  }
  const previous = await lastKey(input, work);
  const reasons = explainChange(previous, input.key);
  const message = `building ${formatImageRef(input.repository)} (key ${short(input.key.key)}): ${reasons.join("; ")}`;
  work.reporter.info(message);
  const cacheFrom = previous === undefined ? [] : [withTag(input.repository, cacheTagFor(previous.key))];
  return { action: "build", reasons, cacheRef, cacheFrom, message };
}

/** The explanation is a courtesy: an unreadable history must never fail a release. */
async function lastKey(input: DecideInput, work: WorkContext): Promise<ContentKey | undefined> {
  if (input.history === undefined) return undefined;
  try {
    return await input.history.last(input.repository, work);
  } catch (e) {
    work.reporter.warn(`could not read the previous build's key: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

export interface RecordInput {
  readonly key: ContentKey;
  readonly decision: BuildDecision & { readonly action: "build" };
  /** What OciRegistry.push returned for the version tag. */
  readonly published: PublishedImage;
  readonly registry: Pick<OciRegistry, "push">;
  readonly history?: KeyHistory;
}

/** After a build was pushed: tag it with its cache tag (a re-tag, no upload) and record its key. */
export async function recordBuild(input: RecordInput, work: WorkContext): Promise<void> {
  const { ref } = input.published;
  await input.registry.push({ kind: "registry", ref, digest: ref.digest }, input.decision.cacheRef, work);
  if (input.history === undefined) return;
  try {
    await input.history.remember(stripTag(input.decision.cacheRef), input.key, work);
  } catch (e) {
    work.reporter.warn(`could not record this build's key (the next build will not be able to say what changed): ${e instanceof Error ? e.message : String(e)}`);
  }
}

function stripTag(ref: ImageRef): ImageRef {
  return { registry: ref.registry, repository: ref.repository };
}

function short(key: string): string {
  return key.replace(/^sha256:/, "").slice(0, 12);
}
