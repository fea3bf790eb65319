/**
 * values.yaml, hydrated with the release's image and any overlay, edited through the yaml Document
 * API so the user's comments, key order and untouched values survive.
 *
 * Where the image goes: the values path named by the Chart.yaml annotation `harmony/image-values`
 * (dotted, e.g. `worker.image`), default `image`. What goes there depends on what is there:
 * - a string (e.g. `image: ""`): the full pinned reference, `registry/repository:tag@sha256:…`;
 * - a mapping, nothing, or null: the keys `repository` (`registry/repository`), `tag` and `digest`,
 *   the usual chart layout, so a template writes
 *   `{{ .Values.image.repository }}@{{ .Values.image.digest }}`. Other keys in the mapping are kept.
 */
import { isMap, isScalar, Document, type Node } from "yaml";
import { formatImageRef, HarmonyError, imageName, tagForVersion, type PublishedImage } from "../../capabilities/index.ts";
import { parseYaml } from "./yaml-issues.ts";

export const IMAGE_VALUES_ANNOTATION = "harmony/image-values";
export const DEFAULT_IMAGE_PATH = "image";

export type Values = Readonly<Record<string, unknown>>;

export interface ValuesEdit {
  /** The pinned image to write at `imagePath`. */
  readonly image?: PublishedImage;
  /** Dotted path of the image values, from the chart's annotation or the default. */
  readonly imagePath: string;
  /** The release version, the image tag when the reference has none. */
  readonly version: string;
  /** Values merged over the chart's own, after the image (so an explicit overlay wins). */
  readonly overlay?: Values;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Replaces a value in place when both are scalars, so a comment on that line stays with it. */
function setLeaf(doc: Document, path: readonly string[], value: unknown): void {
  const node = doc.getIn(path, true) as Node | undefined;
  if (isScalar(node) && (value === null || typeof value !== "object")) node.value = value;
  else doc.setIn(path, doc.createNode(value));
}

function merge(doc: Document, path: readonly string[], overlay: Values): void {
  for (const [key, value] of Object.entries(overlay)) {
    const at = [...path, key];
    const existing = doc.getIn(at, true);
    if (isPlainObject(value) && isMap(existing)) merge(doc, at, value);
    else setLeaf(doc, at, value);
  }
}

function hydrateImage(doc: Document, path: readonly string[], image: PublishedImage, version: string): void {
  const existing = doc.getIn(path, true);
  if (isScalar(existing) && typeof existing.value === "string") {
    existing.value = formatImageRef(image.ref);
    return;
  }
  const block = { repository: imageName(image.ref), tag: image.ref.tag ?? tagForVersion(version), digest: image.ref.digest };
  if (isMap(existing)) merge(doc, path, block);
  else doc.setIn(path, doc.createNode(block));
}

/** The dotted values path of the image for a chart with these annotations. */
export function imagePathOf(annotations: Readonly<Record<string, string>> | undefined, file: string): string {
  const dotted = annotations?.[IMAGE_VALUES_ANNOTATION] ?? DEFAULT_IMAGE_PATH;
  if (dotted.split(".").some((segment) => segment === "")) {
    throw new HarmonyError("config", `${file}: annotation ${IMAGE_VALUES_ANNOTATION} "${dotted}" is not a dotted values path`, {
      hint: `e.g. ${IMAGE_VALUES_ANNOTATION}: worker.image`,
    });
  }
  return dotted;
}

/** The new values.yaml text, or `source` unchanged when there is nothing to write. */
export function editValues(file: string, source: string | undefined, edit: ValuesEdit, annotationsFile: string): string | undefined {
  const overlay = edit.overlay ?? {};
  if (edit.image === undefined && Object.keys(overlay).length === 0) return source;
  const doc = source === undefined ? new Document({}) : parseYaml(file, source).doc;
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) doc.contents = doc.createNode({});
  if (!isMap(doc.contents)) {
    throw new HarmonyError("config", `${file}: the top level must be a mapping of values`);
  }
  try {
    if (edit.image !== undefined) hydrateImage(doc, edit.imagePath.split("."), edit.image, edit.version);
    merge(doc, [], overlay);
  } catch (error) {
    if (error instanceof HarmonyError) throw error;
    // yaml throws when a path runs through a scalar, e.g. `worker: off` with the image at worker.image.
    throw new HarmonyError("config", `${file}: cannot write the image at "${edit.imagePath}": ${(error as Error).message}`, {
      hint: `make ${edit.imagePath} reachable through mappings, or point the ${IMAGE_VALUES_ANNOTATION} annotation in ${annotationsFile} elsewhere`,
      cause: error,
    });
  }
  return doc.toString({ lineWidth: 0 });
}
