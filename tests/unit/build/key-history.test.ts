/** Key history round trips: in the registry (an in-memory registry passed in as a value) and on disk. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingReporter, type ImageRef } from "../../../capabilities/index.ts";
import { KEY_RECORD_MEDIA_TYPE, type ContentKey } from "../../../scores/content-key/index.ts";
import { directoryKeyHistory, LAST_BUILD_TAG, registryKeyHistory, type ArtifactRegistry, type ManifestBytes } from "../../../topologies/adapters/container-builder/key-history.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const work = { reporter: recordingReporter(), signal: new AbortController().signal };
const REPO: ImageRef = { registry: "127.0.0.1:5000", repository: "team/web" };
const key: ContentKey = {
  key: `sha256:${"a".repeat(64)}`,
  inputs: { builder: "docker", kind: "dockerfile", dockerfile: "d", buildArgs: { V: "h" }, platforms: [], labels: {} },
  files: { "src/a.ts": "644:1", "src/": "dir:755" },
};

function memoryRegistry() {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, ManifestBytes>();
  let uploads = 0;
  const registry: ArtifactRegistry = {
    getManifest: async (repo, ref) => manifests.get(`${repo}:${ref}`),
    fetchBlob: async (repo, digest) => new Blob([blobs.get(`${repo}@${digest}`)!]).stream(),
    blobExists: async (repo, digest) => blobs.has(`${repo}@${digest}`),
    sendBlob: async (repo, blob, content, _mount, _onBytes, w) => {
      uploads++;
      blobs.set(`${repo}@${blob.digest}`, new Uint8Array(await new Response(await content.open(w)).arrayBuffer()));
      return "uploaded";
    },
    putManifest: async (repo, ref, manifest) => {
      manifests.set(`${repo}:${ref}`, manifest);
      return manifest.digest;
    },
  };
  return { registry, manifests, uploads: () => uploads };
}

describe("registryKeyHistory", () => {
  test("remembers the last build as an artifact tagged harmony-last-build and reads it back", async () => {
    const mem = memoryRegistry();
    const history = registryKeyHistory(() => mem.registry);
    expect(await history.last(REPO, work)).toBeUndefined();
    await history.remember(REPO, key, work);
    const manifest = JSON.parse(new TextDecoder().decode(mem.manifests.get(`team/web:${LAST_BUILD_TAG}`)!.bytes)) as { layers: { mediaType: string }[]; annotations: Record<string, string> };
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([KEY_RECORD_MEDIA_TYPE]);
    expect(manifest.annotations["dev.harmony.content-key"]).toBe(key.key);
    expect(await history.last(REPO, work)).toEqual(key);
    // the same record again uploads nothing new
    const before = mem.uploads();
    await history.remember(REPO, key, work);
    expect(mem.uploads()).toBe(before);
  });
});

describe("directoryKeyHistory", () => {
  test("round trip, one file per repository", async () => {
    const dir = mkdtempSync(join(tmpdir(), "harmony-history-"));
    dirs.push(dir);
    const history = directoryKeyHistory(dir);
    expect(await history.last(REPO, work)).toBeUndefined();
    await history.remember(REPO, key, work);
    expect(await history.last(REPO, work)).toEqual(key);
    expect(await history.last({ ...REPO, repository: "team/other" }, work)).toBeUndefined();
  });
});
