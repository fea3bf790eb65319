import type { Preflight } from "./preflight.ts";
import type { ImageArtifact } from "./container-builder.ts";
import type { ImageRef } from "./image-ref.ts";
import type { WorkContext } from "./work-context.ts";

/** An image that is in the registry, named by tag and pinned by digest. */
export interface PublishedImage {
  readonly ref: ImageRef & { readonly digest: string };
}

export interface OciRegistry extends Preflight {
  readonly adapter: string;
  /** The repository an app's image is published to (no tag, no digest). */
  repositoryFor(app: string): ImageRef;
  /** Push so that the tag appears only after every blob it names is present. */
  push(artifact: ImageArtifact, to: ImageRef, work: WorkContext): Promise<PublishedImage>;
  /** The digest the reference points at, or undefined when it is absent. */
  resolve(ref: ImageRef, work: WorkContext): Promise<string | undefined>;
}
