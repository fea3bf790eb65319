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
import type { Score } from "./score.ts";

export interface ReleasePreparation {
  buildContext(app: AppSpec, version: string, work: WorkContext): Promise<BuildContext>;
  packageChart(app: AppSpec, version: string, image: PublishedImage, work: WorkContext): Promise<ChartPackage>;
}

export type ReleaseNeeds = "containerBuilder" | "ociRegistry" | "helmRegistry";

export function releaseScore(
  app: AppSpec,
  version: string,
  prep: ReleasePreparation,
  state: PipelineState,
): Score<ReleaseNeeds, Published> {
  return {
    name: "release",
    needs: ["containerBuilder", "ociRegistry", "helmRegistry"],
    run: async (caps, work) => {
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
      const ref = withTag(caps.ociRegistry.repositoryFor(app.name), tagForVersion(version));
      const digest = await caps.ociRegistry.resolve(ref, work);
      if (digest === undefined) return { status: "failed", summary: `image ${formatImageRef(ref)} is not in the registry: release it first` };
      const chart = await caps.helmRegistry.resolve(chartName, version, work);
      if (chart === undefined) return { status: "failed", summary: `chart ${chartName} ${version} is not published: release it first` };
      state.published = { image: { ref: { ...ref, digest } }, chart };
      return { status: "succeeded", summary: `found ${formatImageRef(state.published.image.ref)}`, detail: state.published };
    },
  };
}
