import { describe, expect, test } from "bun:test";
import { recordingReporter } from "../../../capabilities/index.ts";
import type { ManifestBytes } from "../../../topologies/oci/client.ts";
import { sha256 } from "../../../topologies/oci/digest.ts";
import { copyImage, type ImageSink, type ImageSource } from "../../../topologies/oci/image-copy.ts";
import { MEDIA, type Descriptor } from "../../../topologies/oci/media-types.ts";
import { newTransferStats } from "../../../topologies/oci/progress.ts";

const work = () => ({ reporter: recordingReporter(), signal: new AbortController().signal });

function doc(value: object, mediaType: string): ManifestBytes {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return { mediaType, digest: sha256(bytes), bytes };
}

function blob(text: string, mediaType: string = MEDIA.ociLayerGzip): Descriptor {
  return { mediaType, digest: sha256(text), size: text.length };
}

function image(layers: Descriptor[]): ManifestBytes {
  return doc({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: blob(`config-${layers.length}`, MEDIA.ociConfig), layers }, MEDIA.ociManifest);
}

/** A sink that records the order of operations; `present` blobs are already there. */
function recordingSink(present: string[] = []): ImageSink & { log: string[] } {
  const log: string[] = [];
  const have = new Set(present);
  return {
    name: "mem",
    log,
    hasBlob: async (digest) => have.has(digest),
    writeBlob: async (d, _content, _from, onBytes) => {
      await Bun.sleep(1);
      onBytes(d.size);
      have.add(d.digest);
      log.push(`blob ${d.digest.slice(7, 11)}`);
      return "uploaded";
    },
    putManifest: async (reference, m) => void log.push(`manifest ${reference.startsWith("sha256:") ? "by-digest" : reference} ${m.digest.slice(7, 11)}`),
  };
}

function source(root: ManifestBytes, children: ManifestBytes[] = []): ImageSource {
  return {
    name: "mem",
    root: async () => root,
    manifest: async (d) => children.find((c) => c.digest === d.digest)!,
    blob: () => ({ kind: "stream", open: async () => new Response("").body! }),
  };
}

describe("copyImage", () => {
  test("every blob before the manifest; present blobs cost nothing", async () => {
    const a = blob("layer-a");
    const b = blob("layer-b");
    const m = image([a, b]);
    const sink = recordingSink([a.digest]);
    const stats = newTransferStats();
    const w = work();
    await copyImage(source(m), sink, "1.0.0", stats, w);
    expect(sink.log.at(-1)).toBe(`manifest 1.0.0 ${m.digest.slice(7, 11)}`);
    expect(sink.log.filter((l) => l.startsWith("blob"))).toHaveLength(2); // config and layer b
    expect(stats).toMatchObject({ blobsPresent: 1, blobsUploaded: 2, blobBytesUploaded: b.size + "config-2".length, manifestsPut: 1 });
    expect((w.reporter as { lines: string[] }).lines.filter((l) => l.startsWith("info:   [")).length).toBe(3);
  });

  test("an index: its manifests by digest after their blobs, the index last under the tag", async () => {
    const amd = image([blob("amd64")]);
    const arm = image([blob("arm64"), blob("shared")]);
    const index = doc({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [amd, arm].map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.byteLength })) }, MEDIA.ociIndex);
    const sink = recordingSink();
    await copyImage(source(index, [amd, arm]), sink, "2.0.0", newTransferStats(), work());
    const firstManifest = sink.log.findIndex((l) => l.startsWith("manifest"));
    expect(sink.log.slice(0, firstManifest).every((l) => l.startsWith("blob"))).toBe(true);
    expect(sink.log.slice(firstManifest)).toEqual([`manifest by-digest ${amd.digest.slice(7, 11)}`, `manifest by-digest ${arm.digest.slice(7, 11)}`, `manifest 2.0.0 ${index.digest.slice(7, 11)}`]);
  });

  test("a failed blob leaves the tag untouched", async () => {
    const m = image([blob("x")]);
    const sink = recordingSink();
    sink.writeBlob = async () => {
      throw new Error("disk full");
    };
    await expect(copyImage(source(m), sink, "1", newTransferStats(), work())).rejects.toThrow("disk full");
    expect(sink.log.some((l) => l.startsWith("manifest"))).toBe(false);
  });
});
