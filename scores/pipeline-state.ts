/** What one step of a pipeline hands to the next: the published artifacts, pinned by digest. */
import type { PublishedChart, PublishedImage } from "../capabilities/index.ts";

export interface Published {
  readonly image: PublishedImage;
  readonly chart: PublishedChart;
}

export interface PipelineState {
  published?: Published;
}

export function requirePublished(state: PipelineState, step: string): Published {
  if (state.published === undefined) throw new Error(`${step}: nothing was published before it (release or promote must run first)`);
  return state.published;
}
