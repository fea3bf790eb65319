import type { Preflight } from "./preflight.ts";
import type { ImageRef } from "./image-ref.ts";
import type { WorkContext } from "./work-context.ts";

/** Build from a Dockerfile (written by the user or emitted by a Buildable generator). */
export interface DockerfileBuild {
  readonly kind: "dockerfile";
  /** The app being built; adapters use it to name local images. */
  readonly app: string;
  /** Absolute directory sent as the build context. */
  readonly contextDir: string;
  /** Absolute path of the Dockerfile. */
  readonly dockerfile: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Multi-stage target; absent builds the last stage. */
  readonly target?: string;
  /** `os/arch[/variant]`; empty means the builder's native platform. */
  readonly platforms: readonly string[];
  /** OCI annotations/labels stamped on the image (source, revision, version, created). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Images in the registry whose layers a builder may reuse (CI: the previous build of this app),
   * since an ephemeral runner starts with no local layer cache. Absent or unreachable ones only
   * cost speed.
   */
  readonly cacheFrom?: readonly ImageRef[];
}

/** Files laid on a base image, the way ko and jib build: no RUN steps, no daemon. */
export interface FilesOnBaseBuild {
  readonly kind: "files";
  readonly app: string;
  readonly base: ImageRef;
  /** Each entry copies a file or directory (absolute `from`) to an absolute path in the image. */
  readonly layers: readonly { readonly from: string; readonly to: string }[];
  readonly config: ImageConfig;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ImageConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workdir?: string;
  readonly user?: string;
  readonly ports?: readonly number[];
}

export type BuildContext = DockerfileBuild | FilesOnBaseBuild;

/** Where a built image lives, so an OciRegistry adapter knows how to push it. */
export type ImageArtifact =
  | { readonly kind: "daemon"; readonly imageId: string }
  | { readonly kind: "oci-layout"; readonly path: string; readonly digest: string }
  | { readonly kind: "registry"; readonly ref: ImageRef; readonly digest: string };

export interface ContainerBuilder extends Preflight {
  /** Adapter name, for plans and reports (`docker`, `buildah`, `daemonless`…). */
  readonly adapter: string;
  build(request: BuildContext, work: WorkContext): Promise<ImageArtifact>;
}
