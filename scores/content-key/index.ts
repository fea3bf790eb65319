/** Never building the same thing twice: the content key, why it changed, and the reuse decision. */
export { dockerignoreMatcher, parseDockerignore, type IgnoreMatcher } from "./dockerignore.ts";
export { hashTree, type FileManifest, type TreeOptions } from "./file-tree.ts";
export { canonicalJson, computeContentKey, layerTarget, RELEASE_LABELS, sha256, type ContentKey, type KeyInputs, type KeyOptions } from "./key.ts";
export { explainChange } from "./explain.ts";
export { decodeKeyRecord, encodeKeyRecord, KEY_RECORD_MEDIA_TYPE } from "./record.ts";
export { CACHE_TAG_PREFIX, cacheTagFor, decideBuild, recordBuild, type BuildDecision, type DecideInput, type KeyHistory, type RecordInput } from "./reuse.ts";
