/**
 * ContainerBuilder with no external tool and no daemon, the way ko and jib build: fetch the base
 * image's manifest and config from a registry, lay each `{from, to}` of the request as one
 * reproducible layer on top, write the image config (entrypoint, cmd, env, workdir, user, ports,
 * labels) and store it all as an OCI image layout. No RUN steps, so no sandbox to need; the same
 * files give the same layer digests on every machine with the same gzip.
 *
 * The image's `created` is the epoch (or SOURCE_DATE_EPOCH): a timestamp would make every build a
 * new image. The layout directory is kept per app so the base's blobs are fetched once; blobs no
 * longer named by the image are removed after each build.
 */
import { readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import {
  formatImageRef,
  HarmonyError,
  type BuildContext,
  type ContainerBuilder,
  type FilesOnBaseBuild,
  type ImageArtifact,
  type WorkContext,
} from "../../../../capabilities/index.ts";
import type { AdapterEnv } from "../../../create.ts";
import { clientsByHost } from "../../../oci/connect.ts";
import type { ContainerBuilderConfig } from "../../../config.ts";
import { imageLabels } from "../oci-labels.ts";
import { hostPlatform, isScratch, parsePlatform, resolveBase, scratchBase, type BaseImage } from "./base-image.ts";
import type { BlobSourceFor } from "./blob-source.ts";
import { derivedConfig, type AddedLayer } from "./image-config.ts";
import { planLayer, writeLayer } from "./layer.ts";
import { LayoutWriter, type Descriptor } from "./layout-writer.ts";

/** The `containerBuilder: { adapter: daemonless }` settings of harmony.yaml (topologies/config.ts). */
export type DaemonlessBuilderConfig = Extract<ContainerBuilderConfig, { adapter: "daemonless" }>;

export const LAYOUT_TAG = "latest";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

/**
 * `sources` picks where base images are read from per registry host: by default the native
 * registry client (topologies/oci) with the credentials docker stores (DOCKER_CONFIG, helpers) and
 * plain HTTP only for loopback registries; an OCI layout on disk (layoutBlobSource) also works.
 */
export function createDaemonlessBuilder(config: DaemonlessBuilderConfig, env: AdapterEnv, sources: BlobSourceFor = clientsByHost(env.projectDir, env.env)): ContainerBuilder {
  const outputRoot = config.outputDir === undefined ? join(tmpdir(), "harmony-build") : resolve(env.projectDir, config.outputDir);
  const platform = config.platform === undefined ? hostPlatform() : parsePlatform(config.platform);
  return {
    adapter: "daemonless",
    build: async (request, work) => {
      const files = filesOnly(request);
      const base = isScratch(files.base) ? scratchBase(files.base, platform) : await resolveBase(sources(files.base.registry), files.base, platform, work);
      return buildOnBase(files, base, sources, join(outputRoot, files.app), env.env, work);
    },
  };
}

function filesOnly(request: BuildContext): FilesOnBaseBuild {
  if (request.kind === "files") return request;
  throw new HarmonyError("config", `${request.app}: the daemonless builder lays files on a base image and cannot run a Dockerfile (no RUN steps)`, {
    hint: "use the docker, buildah or buildkit builder for Dockerfile and buildable images",
  });
}

async function buildOnBase(
  request: FilesOnBaseBuild,
  base: BaseImage,
  sources: BlobSourceFor,
  dir: string,
  env: AdapterEnv["env"],
  work: WorkContext,
): Promise<ImageArtifact> {
  const layout = new LayoutWriter(dir);
  const source = sources(base.ref.registry);
  let fetched = 0;
  for (const layer of base.layers) {
    if (layout.has(layer.digest)) continue;
    await layout.copyBlob(layer, await source.fetchBlob(base.ref.repository, layer.digest, work), work);
    fetched += layer.size;
  }
  const ours: Descriptor[] = [];
  const added: AddedLayer[] = [];
  for (const [i, { from, to }] of request.layers.entries()) {
    if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted while writing layers");
    const tmp = join(dir, "blobs", "sha256", `layer-${i}.partial`);
    const written = await writeLayer(await planLayer(from, to), tmp);
    renameSync(tmp, layout.blobPath(written.digest));
    ours.push({ mediaType: OCI_LAYER, digest: written.digest, size: written.size });
    // the source's absolute path would make the same files on another checkout another image
    added.push({ diffId: written.diffId, createdBy: `COPY ${basename(from)} ${to} # harmony daemonless` });
  }
  const created = createdAt(env);
  const labels = imageLabels(request.labels, env, { stampCreated: false });
  const configDescriptor = layout.writeJson(OCI_CONFIG, derivedConfig(base.config, request.config, labels, added, created));
  const manifest = layout.writeJson(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: configDescriptor,
    layers: [...base.layers, ...ours],
    // An image on scratch has no base to name.
    ...(isScratch(base.ref)
      ? {}
      : {
          annotations: {
            "org.opencontainers.image.base.name": formatImageRef({ registry: base.ref.registry, repository: base.ref.repository, ...(base.ref.tag ? { tag: base.ref.tag } : {}) }),
            "org.opencontainers.image.base.digest": base.digest,
          },
        }),
  });
  layout.writeIndex(manifest, LAYOUT_TAG);
  prune(layout, new Set([manifest.digest, configDescriptor.digest, ...base.layers.map((l) => l.digest), ...ours.map((l) => l.digest)]));
  const sizes = ours.map((l) => `${(l.size / 1024).toFixed(1)} KiB`).join(", ");
  work.reporter.info(`daemonless: ${request.app} = ${formatImageRef(base.ref)} + ${ours.length} layer(s) (${sizes}); ${fetched > 0 ? `fetched ${fetched} bytes of base` : "base already local"}; ${manifest.digest}`);
  return { kind: "oci-layout", path: dir, digest: manifest.digest };
}

/** The epoch, or SOURCE_DATE_EPOCH: reproducible builds' convention for "when". */
function createdAt(env: AdapterEnv["env"]): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  const seconds = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : 0;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function prune(layout: LayoutWriter, keep: ReadonlySet<string>): void {
  const dir = join(layout.dir, "blobs", "sha256");
  for (const name of readdirSync(dir)) if (!keep.has(`sha256:${name}`)) rmSync(join(dir, name), { force: true });
}
