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
  type PublishedImage,
  type WorkContext,
} from "../capabilities/index.ts";
import type { AppSpec } from "./app-spec.ts";
import type { PipelineState, Published } from "./pipeline-state.ts";
import type { Capabilities, Score } from "./score.ts";

export interface ReleasePreparation {
  buildContext(app: AppSpec, version: string, work: WorkContext): Promise<BuildContext>;
  packageChart(app: AppSpec, version: string, image: PublishedImage, work: WorkContext): Promise<ChartPackage>;
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
      const existing = await findPublished(caps, app, version, chartName, work);
      if (existing !== undefined) {
        state.published = existing;
        return { status: "succeeded", summary: `already published: ${formatImageRef(existing.image.ref)}; chart ${existing.chart.version}`, detail: existing };
      }
      const request = await prep.buildContext(app, version, work);
      const artifact = await caps.containerBuilder.build(request, work);
      const target = withTag(caps.ociRegistry.repositoryFor(app.name), tagForVersion(version));
      const image = await caps.ociRegistry.push(artifact, target, work);
      const chartPackage = await prep.packageChart(app, version, image, work);
      const chart = await caps.helmRegistry.push(chartPackage, work);
      state.published = { image, chart };
      return {
        status: "succeeded",
        summary: `${formatImageRef(image.ref)}; chart ${chart.location} ${chart.version}`,
        detail: state.published,
      };
    },
  };
}

async function findPublished(
  caps: Pick<Capabilities, "ociRegistry" | "helmRegistry">,
  app: AppSpec,
  version: string,
  chartName: string,
  work: WorkContext,
): Promise<Published | undefined> {
  const ref = withTag(caps.ociRegistry.repositoryFor(app.name), tagForVersion(version));
  const digest = await caps.ociRegistry.resolve(ref, work);
  if (digest === undefined) return undefined;
  const chart = await caps.helmRegistry.resolve(chartName, version, work);
  if (chart === undefined) return undefined;
  return { image: { ref: { ...ref, digest } }, chart };
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
