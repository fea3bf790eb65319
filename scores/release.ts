/**
 * ReleaseScore: build the image, push it, hydrate the chart with the image digest, push the chart.
 * How a build request and a chart package are made are handed in, so this score stays about order
 * and capabilities.
 */
import {
  formatImageRef,
  tagForVersion,
  withTag,
  type BuildContext,
  type ChartPackage,
  type ImageRef,
  type PublishedImage,
  type WorkContext,
} from "../capabilities/index.ts";
import type { AppSpec } from "./app-spec.ts";
import { computeContentKey } from "./content-key/key.ts";
import { decideBuild, recordBuild, type KeyHistory } from "./content-key/reuse.ts";
import type { PipelineState, Published } from "./pipeline-state.ts";
import type { Capabilities, Score } from "./score.ts";

export interface ReleasePreparation {
  buildContext(app: AppSpec, version: string, work: WorkContext): Promise<BuildContext>;
  packageChart(app: AppSpec, version: string, image: PublishedImage, work: WorkContext): Promise<ChartPackage>;
  /** Where the previous build's content key is kept, so a rebuild can say what changed. */
  readonly keyHistory?: KeyHistory;
}

export type ReleaseNeeds = "containerBuilder" | "ociRegistry" | "helmRegistry";

export function releaseScore(
  app: AppSpec,
  version: string,
  chartName: string,
  prep: ReleasePreparation,
  state: PipelineState,
): Score<ReleaseNeeds, Published> {
  return {
    name: "release",
    needs: ["containerBuilder", "ociRegistry", "helmRegistry"],
    run: async (caps, work) => {
      // Resume: a re-run of the same tag finds its artifacts already published and verifies them by digest.
      const pushed = await publishedImage(caps, app, version, work);
      const existingChart = pushed === undefined ? undefined : await caps.helmRegistry.resolve(chartName, version, work);
      if (pushed !== undefined && existingChart !== undefined) {
        state.published = { image: pushed, chart: existingChart };
        return { status: "succeeded", summary: `already published: ${formatImageRef(pushed.ref)}; chart ${existingChart.version}`, detail: state.published };
      }
      // A run that died between pushing the image and pushing its chart left the version's image in
      // place: publish the chart for that image. Building again would move the version tag to a
      // second image (the build stamps its time) and leave the first one behind, untagged.
      let image = pushed;
      if (image === undefined) {
        const request = await prep.buildContext(app, version, work);
        image = await buildOrReuse(caps, request, withTag(caps.ociRegistry.repositoryFor(app.name), tagForVersion(version)), prep.keyHistory, work);
      } else work.reporter.info(`${formatImageRef(image.ref)} is already published; publishing its chart`);
      const chartPackage = await prep.packageChart(app, version, image, work);
      const chart = await caps.helmRegistry.push(chartPackage, work);
      state.published = { image, chart };
      return {
        status: "succeeded",
        summary: `${pushed === undefined ? "" : "image already published, chart pushed: "}${formatImageRef(image.ref)}; chart ${chart.location} ${chart.version}`,
        detail: state.published,
      };
    },
  };
}

/**
 * Never build the same thing twice: a content key over what determines the image names a cache tag
 * in the registry. A hit is re-tagged (no build, no upload); a miss builds, says why, and records.
 */
async function buildOrReuse(
  caps: Pick<Capabilities, ReleaseNeeds>,
  request: BuildContext,
  target: ImageRef,
  history: KeyHistory | undefined,
  work: WorkContext,
): Promise<PublishedImage> {
  const baseDigest = request.kind === "files" ? await caps.ociRegistry.resolve(request.base, work).catch(() => undefined) : undefined;
  const key = await computeContentKey(request, { builder: caps.containerBuilder.adapter, ...(baseDigest ? { baseDigest } : {}) });
  const repository = caps.ociRegistry.repositoryFor(request.app);
  const decision = await decideBuild({ key, repository, registry: caps.ociRegistry, ...(history ? { history } : {}) }, work);
  if (decision.action === "reuse") return caps.ociRegistry.push(decision.artifact, target, work);
  const withCache = request.kind === "dockerfile" && decision.cacheFrom.length > 0 ? { ...request, cacheFrom: decision.cacheFrom } : request;
  const artifact = await caps.containerBuilder.build(withCache, work);
  const published = await caps.ociRegistry.push(artifact, target, work);
  await recordBuild({ key, decision, published, registry: caps.ociRegistry, ...(history ? { history } : {}) }, work);
  return published;
}

/** The version's image in the registry, pinned by the digest its tag resolves to. */
async function publishedImage(caps: Pick<Capabilities, "ociRegistry">, app: AppSpec, version: string, work: WorkContext): Promise<PublishedImage | undefined> {
  const ref = withTag(caps.ociRegistry.repositoryFor(app.name), tagForVersion(version));
  const digest = await caps.ociRegistry.resolve(ref, work);
  return digest === undefined ? undefined : { ref: { ...ref, digest } };
}

async function findPublished(
  caps: Pick<Capabilities, "ociRegistry" | "helmRegistry">,
  app: AppSpec,
  version: string,
  chartName: string,
  work: WorkContext,
): Promise<Published | undefined> {
  const image = await publishedImage(caps, app, version, work);
  if (image === undefined) return undefined;
  const chart = await caps.helmRegistry.resolve(chartName, version, work);
  if (chart === undefined) return undefined;
  return { image, chart };
}

/** For --promote: the artifacts must already be published; verified by digest, never rebuilt. */
export function verifyPublishedScore(
  app: AppSpec,
  version: string,
  chartName: string,
  state: PipelineState,
): Score<"ociRegistry" | "helmRegistry", Published> {
  return {
    name: "verify-published",
    needs: ["ociRegistry", "helmRegistry"],
    run: async (caps, work) => {
      const found = await findPublished(caps, app, version, chartName, work);
      if (found === undefined) {
        return { status: "failed", summary: `${app.name} ${version} is not fully published (image and chart): release it first, e.g. with --until staging` };
      }
      state.published = found;
      return { status: "succeeded", summary: `found ${formatImageRef(found.image.ref)}; chart ${found.chart.version}`, detail: found };
    },
  };
}
