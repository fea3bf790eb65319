// The distribution client's own behaviours, against the real registry: chunked uploads, content
// that does not match its digest, tag lists, and retries (injected 503/429 in front of the real
// registry; a registry that is not up yet).
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HarmonyError, recordingReporter, type WorkContext } from "../../../capabilities/index.ts";
import { RegistryClient } from "../../../topologies/oci/client.ts";
import { parseEndpoint } from "../../../topologies/oci/endpoint.ts";
import { hashFile, sha256 } from "../../../topologies/oci/digest.ts";
import { MEDIA } from "../../../topologies/oci/media-types.ts";
import type { RetryPolicy } from "../../../topologies/oci/retry.ts";
import { world } from "../../world/index.ts";
import { recordingWork, scratch, SLOW } from "./helpers.ts";
import { startFlakyProxy } from "./flaky-proxy.ts";

const parts = () => world.available("registry");

async function randomFile(bytes: number): Promise<{ path: string; digest: string; size: number }> {
  const path = join(scratch("blob"), "blob.bin");
  writeFileSync(path, randomBytes(bytes));
  return { path, ...(await hashFile(path)) };
}

function clientFor(host: string, options: { chunkSize?: number; retry?: RetryPolicy } = {}): RegistryClient {
  return new RegistryClient({ endpoint: parseEndpoint({ url: host }, "/"), credentials: async () => undefined, places: () => "nowhere", ...options });
}

describe("distribution client", () => {
  test.skipIf(!parts())(
    "a blob larger than the chunk size goes up in PATCH chunks and comes back byte for byte",
    async () => {
      const reg = await world.registry();
      const client = clientFor(reg.host, { chunkSize: 1 << 20 });
      const blob = await randomFile(3.5 * (1 << 20));
      const work = recordingWork();
      let counted = 0;
      const outcome = await client.sendBlob("client/chunked", blob, { kind: "file", range: { path: blob.path, offset: 0, length: blob.size } }, undefined, (n) => (counted += n), work);
      expect(outcome).toBe("uploaded");
      expect(counted).toBe(blob.size);
      expect(work.lines.filter((l) => l.startsWith("debug: PATCH ")).length).toBe(4);
      expect(await client.blobExists("client/chunked", blob.digest, work)).toBe(true);
      const back = new Bun.CryptoHasher("sha256");
      for await (const chunk of await client.fetchBlob("client/chunked", blob.digest, work)) back.update(chunk);
      expect(`sha256:${back.digest("hex")}`).toBe(blob.digest);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "content that does not hash to its digest is never committed",
    async () => {
      const reg = await world.registry();
      const blob = await randomFile(200_000);
      const claimed = sha256("something else");
      for (const chunkSize of [1 << 20, 64 << 10]) {
        const client = clientFor(reg.host, { chunkSize });
        const error = await client
          .sendBlob("client/corrupt", { digest: claimed, size: blob.size }, { kind: "file", range: { path: blob.path, offset: 0, length: blob.size } }, undefined, () => {}, recordingWork())
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(await client.blobExists("client/corrupt", claimed, recordingWork())).toBe(false);
      }
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "manifests go up last, tags are listed, an absent tag resolves to undefined",
    async () => {
      const reg = await world.registry();
      const client = clientFor(reg.host);
      const work = recordingWork();
      const config = new TextEncoder().encode("{}");
      await client.sendBlob("client/tags", { digest: sha256(config), size: config.byteLength }, { kind: "stream", open: async () => new Response(config).body! }, undefined, () => {}, work);
      const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: sha256(config), size: config.byteLength }, layers: [] }));
      const bytes = { mediaType: MEDIA.ociManifest, digest: sha256(manifest), bytes: manifest };
      for (const tag of ["b", "a"]) await client.putManifest("client/tags", tag, bytes, work);
      expect((await client.listTags("client/tags", work)).sort()).toEqual(["a", "b"]);
      expect(await client.headManifest("client/tags", "a", work)).toBe(bytes.digest);
      expect(await client.headManifest("client/tags", "zzz", work)).toBeUndefined();
      expect((await client.getManifest("client/tags", bytes.digest, work))?.mediaType).toBe(MEDIA.ociManifest);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "503 and 429 are retried (Retry-After honoured); a 404 is not",
    async () => {
      const reg = await world.registry();
      const proxy = startFlakyProxy(reg.host, (method, path, count) => {
        if (method === "HEAD" && path.includes("/blobs/") && count <= 2) return { status: 503 };
        if (method === "PUT" && path.includes("/manifests/") && count === 1) return { status: 429, headers: { "retry-after": "1" } };
        return undefined;
      });
      try {
        const client = clientFor(proxy.host);
        const work = recordingWork();
        const config = new TextEncoder().encode('{"retry":true}');
        const digest = sha256(config);
        expect(await client.blobExists("client/retry", digest, work)).toBe(false); // 503, 503, then the registry's 404
        await client.sendBlob("client/retry", { digest, size: config.byteLength }, { kind: "stream", open: async () => new Response(config).body! }, undefined, () => {}, work);
        const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest, size: config.byteLength }, layers: [] }));
        await client.putManifest("client/retry", "1", { mediaType: MEDIA.ociManifest, digest: sha256(manifest), bytes: manifest }, work);
        expect(proxy.seen.filter((s) => s.startsWith("HEAD ")).map((s) => s.split(" → ")[1])).toEqual(["503 (injected)", "503 (injected)", "404"]);
        expect(proxy.seen.filter((s) => s.startsWith("PUT /v2/client/retry/manifests/1")).map((s) => s.split(" → ")[1])).toEqual(["429 (injected)", "201"]);
        const waited = work.lines.map((l) => /manifests\/1: 429; retrying in (\d+) ms/.exec(l)?.[1]).find(Boolean);
        expect(Number(waited)).toBeGreaterThanOrEqual(1000);
      } finally {
        proxy.stop();
      }
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "a registry that is not listening yet is retried until it is, within the bound",
    async () => {
      const reg = await world.registry();
      const port = world.freePort();
      let proxy: ReturnType<typeof startFlakyProxy> | undefined;
      const reporter = recordingReporter();
      // The registry "comes up" when the client reports its first failed try, not after a sleep.
      const work: WorkContext = {
        signal: new AbortController().signal,
        reporter: { ...reporter, debug: (m) => (reporter.debug(m), m.includes("retrying") && (proxy ??= startFlakyProxy(reg.host, () => undefined, port))) },
      };
      try {
        const client = clientFor(`127.0.0.1:${port}`);
        expect(await client.headManifest("client/late", "1", work)).toBeUndefined();
        expect(proxy).toBeDefined();
      } finally {
        proxy?.stop();
      }
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "nothing listening at all fails with the registry named, once the retries are spent",
    async () => {
      const client = clientFor(`127.0.0.1:${world.freePort()}`, { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10, budgetMs: 1000 } });
      const error = await client.headManifest("x", "1", recordingWork()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HarmonyError);
      expect((error as HarmonyError).message).toContain("cannot reach registry 127.0.0.1:");
    },
    SLOW,
  );
});
