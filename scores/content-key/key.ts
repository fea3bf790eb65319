/**
 * The content key: one sha256 over everything that determines an image, computed before any
 * build. Same key ⇒ same image, so a registry that already holds an image for the key can be
 * re-tagged instead of building. Alongside the key we keep *why* it is what it is (inputs and a
 * file manifest), so the next build can say what changed.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { formatImageRef, withDigest, type BuildContext } from "../../capabilities/index.ts";
import { dockerignoreMatcher, parseDockerignore } from "./dockerignore.ts";
import { hashTree, type FileManifest } from "./file-tree.ts";

export type { FileManifest } from "./file-tree.ts";

/**
 * Labels that describe a release rather than the content: a key that moved with them would never
 * hit across releases. A re-tagged image therefore keeps the version/created/revision labels of
 * the build that produced it, which is honest: that is when and from what it was built.
 */
export const RELEASE_LABELS: readonly string[] = [
  "org.opencontainers.image.version",
  "org.opencontainers.image.created",
  "org.opencontainers.image.revision",
];

/** Everything but the files. Build-arg values are hashed: the key record is stored in the registry. */
export interface KeyInputs {
  readonly builder: string;
  readonly kind: BuildContext["kind"];
  /** sha256 of the Dockerfile bytes (Dockerfile builds). */
  readonly dockerfile?: string;
  /** name → sha256 of the value. */
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly platforms: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The base image reference (files-on-base builds); pin it by digest to follow a moved tag. */
  readonly base?: string;
  /** The image config as JSON (files-on-base builds). */
  readonly config?: string;
}

export interface ContentKey {
  /** `sha256:<64 hex>`. */
  readonly key: string;
  readonly inputs: KeyInputs;
  readonly files: FileManifest;
}

export interface KeyOptions {
  /** The adapter that will build (`docker`, `buildah`, …): builders do not produce identical images. */
  readonly builder: string;
  /**
   * The digest the base reference resolves to now (files-on-base builds): with it, a base tag that
   * moved to a new image changes the key; without it only the reference as written counts.
   */
  readonly baseDigest?: string;
}

const FORMAT_VERSION = 1;

export async function computeContentKey(request: BuildContext, options: KeyOptions): Promise<ContentKey> {
  const labels = stableLabels(request.labels);
  if (request.kind === "dockerfile") {
    const inContext = relative(request.contextDir, request.dockerfile);
    const skip = new Set<string>();
    // keyed on its own below; listing it as a file too would report one edit twice
    if (!inContext.startsWith("..") && !inContext.startsWith(sep)) skip.add(inContext.split(sep).join("/"));
    const ignoreFile = join(request.contextDir, ".dockerignore");
    const ignore = existsSync(ignoreFile) ? dockerignoreMatcher(parseDockerignore(readFileSync(ignoreFile, "utf8"))) : undefined;
    const files = await hashTree(request.contextDir, { skip, ...(ignore ? { ignore } : {}) });
    const inputs: KeyInputs = {
      builder: options.builder,
      kind: "dockerfile",
      dockerfile: sha256(readFileSync(request.dockerfile)),
      buildArgs: mapValues(request.buildArgs, sha256),
      ...(request.target === undefined ? {} : { target: request.target }),
      platforms: [...request.platforms].sort(),
      labels,
    };
    return seal(inputs, files);
  }
  const files: FileManifest = {};
  for (const layer of request.layers) {
    const target = layerTarget(layer.from, layer.to, statSync(layer.from).isDirectory());
    Object.assign(files, await hashTree(layer.from, { prefix: target }));
  }
  const inputs: KeyInputs = {
    builder: options.builder,
    kind: "files",
    buildArgs: {},
    platforms: [],
    labels,
    base: formatImageRef(options.baseDigest === undefined ? request.base : withDigest(request.base, options.baseDigest)),
    config: canonicalJson(request.config),
  };
  return seal(inputs, files);
}

/**
 * Where a files-on-base layer entry lands, with COPY's rules: a directory's *contents* go under
 * `to` (returned with a trailing `/`, the prefix of its files); a file goes to `to`, or into it
 * when `to` ends with `/`. The daemonless builder lays files out by the same function.
 */
export function layerTarget(from: string, to: string, fromIsDirectory: boolean): string {
  if (fromIsDirectory) return to.endsWith("/") ? to : `${to}/`;
  return to.endsWith("/") ? `${to}${basename(from)}` : to;
}

function seal(inputs: KeyInputs, files: FileManifest): ContentKey {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(`harmony-content-key v${FORMAT_VERSION}\n${canonicalJson(inputs)}\n`);
  for (const path of Object.keys(files).sort()) hasher.update(`${path}\0${files[path]}\n`);
  return { key: `sha256:${hasher.digest("hex")}`, inputs, files };
}

function stableLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !RELEASE_LABELS.includes(k)));
}

export function sha256(data: string | Uint8Array): string {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(data);
  return hasher.digest("hex");
}

function mapValues(record: Readonly<Record<string, string>>, f: (v: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

/** JSON with object keys sorted at every level: equal values give equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
