/**
 * OciRegistry that publishes nothing: for dry runs of a pipeline and for topologies whose deploy
 * does not pull (rendering manifests only). The digest it returns is the built image's own, when
 * the builder knows one, so plans still show a pinned reference.
 */
import type { ImageArtifact, ImageRef, OciRegistry, PublishedImage, WorkContext } from "../../../capabilities/index.ts";
import type { OciRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";

export type NoopSettings = Extract<OciRegistryConfig, { adapter: "noop" }>;

function digestOf(artifact: ImageArtifact): string {
  return artifact.kind === "daemon" ? artifact.imageId : artifact.digest;
}

export function createNoopOciRegistry(_config: NoopSettings, _env: AdapterEnv): OciRegistry {
  const pushed = new Map<string, string>();
  const key = (ref: ImageRef) => `${ref.registry}/${ref.repository}:${ref.tag ?? ""}`;
  return {
    adapter: "noop",
    repositoryFor: (app: string): ImageRef => ({ registry: "localhost", repository: app }),
    async push(artifact: ImageArtifact, to: ImageRef, work: WorkContext): Promise<PublishedImage> {
      const digest = digestOf(artifact);
      pushed.set(key(to), digest);
      work.reporter.info(`not publishing ${to.repository}:${to.tag ?? ""} (noop registry)`);
      return { ref: { ...to, digest } };
    },
    // Only what this run "pushed" exists: a noop registry holds nothing between runs.
    async resolve(ref: ImageRef): Promise<string | undefined> {
      const digest = pushed.get(key(ref));
      return ref.digest === undefined || ref.digest === digest ? digest : undefined;
    },
  };
}
