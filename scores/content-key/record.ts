/**
 * A content key as it is stored between CI runs (gzipped canonical JSON): small enough to live in
 * the registry next to the image, and read back defensively because another harmony version (or
 * another tool) may have written what we find there.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { canonicalJson, type ContentKey } from "./key.ts";

export const KEY_RECORD_MEDIA_TYPE = "application/vnd.harmony.content-key.v1+json+gzip";

export function encodeKeyRecord(key: ContentKey): Uint8Array {
  return gzipSync(canonicalJson({ v: 1, ...key }), { level: 6 });
}

/** The record, or undefined when the bytes are not a record this version understands. */
export function decodeKeyRecord(bytes: Uint8Array): ContentKey | undefined {
  let value: unknown;
  try {
    value = JSON.parse(gunzipSync(bytes).toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.v !== 1 || typeof value.key !== "string" || !isObject(value.inputs) || !isObject(value.files)) return undefined;
  const inputs = value.inputs;
  if (typeof inputs.builder !== "string" || typeof inputs.kind !== "string" || !isObject(inputs.buildArgs) || !isObject(inputs.labels) || !Array.isArray(inputs.platforms)) {
    return undefined;
  }
  if (!Object.values(value.files).every((v) => typeof v === "string")) return undefined;
  return { key: value.key, inputs: inputs as unknown as ContentKey["inputs"], files: value.files as Record<string, string> };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
