/**
 * A packaged chart (.tgz) as the OCI artifact helm pushes and pulls: config
 * `application/vnd.cncf.helm.config.v1+json` (the Chart.yaml metadata as JSON), one layer
 * `application/vnd.cncf.helm.chart.content.v1.tar+gzip` (the archive, byte for byte), and the
 * `org.opencontainers.image.*` annotations helm derives from Chart.yaml. Unlike `helm push`, the
 * `created` annotation is the archive's own Chart.yaml time, not the clock, so pushing the same
 * archive twice gives the same digest.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import type { BlobContent } from "./blob-upload.ts";
import type { ManifestBytes } from "./client.ts";
import { hashFile, sha256 } from "./digest.ts";
import type { ImageSource } from "./image-copy.ts";
import { MEDIA, type Descriptor } from "./media-types.ts";
import { indexTarBytes } from "./tar-index.ts";

/** helm refuses charts that decompress to more than this (its MaxDecompressedChartSize default). */
const MAX_DECOMPRESSED = 100 << 20;

interface Maintainer {
  name?: string;
  email?: string;
  url?: string;
}

export interface ChartMetadata {
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly [key: string]: unknown;
}

/** Chart.yaml of the chart at the archive's top level (`<name>/Chart.yaml`) and its time in the archive. */
export async function readChartYaml(archivePath: string): Promise<{ metadata: ChartMetadata; mtime: Date | undefined }> {
  let tar: Uint8Array;
  try {
    // Charts are small (helm caps them), so the archive is read whole: no stream machinery to load.
    tar = gunzipSync(readFileSync(archivePath), { maxOutputLength: MAX_DECOMPRESSED });
  } catch (error) {
    throw new HarmonyError("failed", `${archivePath} is not a chart archive (.tgz): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const members = await indexTarBytes(tar);
  const entry = [...members.values()].find((m) => m.type === "file" && /^[^/]+\/Chart\.yaml$/.test(m.name));
  if (!entry) throw new HarmonyError("failed", `${archivePath}: no <name>/Chart.yaml in the archive`);
  let metadata: Record<string, unknown> | null;
  try {
    metadata = Bun.YAML.parse(new TextDecoder().decode(tar.subarray(entry.offset, entry.offset + entry.size))) as Record<string, unknown> | null;
  } catch (error) {
    throw new HarmonyError("failed", `${archivePath}: ${entry.name} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!metadata || typeof metadata.name !== "string" || typeof metadata.version !== "string" || typeof metadata.apiVersion !== "string") {
    throw new HarmonyError("failed", `${archivePath}: Chart.yaml lacks name, version or apiVersion`);
  }
  return { metadata: metadata as ChartMetadata, mtime: entry.mtime };
}

/** The fields of helm's chart.Metadata, in its Go struct order, as `helm push` writes the config. */
const CONFIG_FIELDS = ["name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion", "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type"] as const;

export function chartConfig(metadata: ChartMetadata): Uint8Array {
  const config: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS) {
    const value = metadata[field];
    const empty = value === undefined || value === null || value === "" || value === false || (Array.isArray(value) && value.length === 0);
    if (!empty) config[field] = field === "appVersion" ? String(value) : value;
  }
  return new TextEncoder().encode(JSON.stringify(config));
}

/** helm's generateChartOCIAnnotations, plus Chart.yaml's own annotations (helm's two never overridden). */
export function chartAnnotations(metadata: ChartMetadata, created: Date | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === "string" && value !== "") out[`org.opencontainers.image.${key}`] = value;
  };
  put("description", metadata.description);
  put("title", metadata.name);
  put("version", metadata.version);
  put("url", metadata.home);
  if (created && created.getTime() > 0) put("created", created.toISOString().replace(/\.000Z$/, "Z"));
  const sources = metadata.sources;
  if (Array.isArray(sources) && typeof sources[0] === "string") put("source", sources[0]);
  const maintainers = metadata.maintainers;
  if (Array.isArray(maintainers) && maintainers.length > 0) {
    put("authors", (maintainers as Maintainer[]).map((m) => `${m.name ?? ""}${m.email ? ` (${m.email})` : ""}`).join(", "));
  }
  const custom = metadata.annotations;
  if (custom && typeof custom === "object") {
    for (const [key, value] of Object.entries(custom as Record<string, unknown>)) {
      const managed = key === "org.opencontainers.image.version" || key === "org.opencontainers.image.title";
      if (!managed && typeof value === "string") out[key] = value;
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A chart archive as an ImageSource for copyImage. */
export class ChartSource implements ImageSource {
  readonly name: string;

  private constructor(
    private readonly archivePath: string,
    readonly metadata: ChartMetadata,
    private readonly config: Uint8Array,
    private readonly layer: Descriptor,
    private readonly manifestBytes: ManifestBytes,
  ) {
    this.name = `chart ${metadata.name} ${metadata.version}`;
  }

  static async open(archivePath: string): Promise<ChartSource> {
    const { metadata, mtime } = await readChartYaml(archivePath);
    const config = chartConfig(metadata);
    const { digest, size } = await hashFile(archivePath);
    const layer: Descriptor = { mediaType: MEDIA.helmChart, digest, size };
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.helmConfig, digest: sha256(config), size: config.byteLength },
      layers: [layer],
      annotations: chartAnnotations(metadata, mtime),
    };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    return new ChartSource(archivePath, metadata, config, layer, { mediaType: MEDIA.ociManifest, digest: sha256(bytes), bytes });
  }

  async root(): Promise<ManifestBytes> {
    return this.manifestBytes;
  }

  async manifest(descriptor: Descriptor): Promise<ManifestBytes> {
    throw new HarmonyError("failed", `${this.name} has one manifest, not ${descriptor.digest}`);
  }

  blob(descriptor: Descriptor, _work: WorkContext): BlobContent {
    if (descriptor.digest === this.layer.digest) return { kind: "file", range: { path: this.archivePath, offset: 0, length: this.layer.size } };
    const config = this.config;
    return { kind: "stream", open: async () => new Response(config).body! };
  }
}
