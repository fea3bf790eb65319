/**
 * What the push benchmark pushes, made once and cached under ~/.cache/harmony-world/bench: an
 * image of ~200 MB in four layers of random data (incompressible, so every tool moves the same
 * bytes), a 1 GiB random layer in an OCI layout, and fresh registries so no tool profits from
 * blobs or mounts an earlier run left behind.
 */
import { createWriteStream, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashFile, sha256 } from "../../topologies/oci/digest.ts";
import { MEDIA } from "../../topologies/oci/media-types.ts";
import { runOk, world, type DockerPart } from "../world/index.ts";
import { CACHE } from "../world/paths.ts";
import { startDaemon, stopPid, waitFor, freePort } from "../world/proc.ts";

const DIR = join(CACHE, "bench", "push");
const MiB = 1 << 20;

let scratchRoot: string | undefined;

/** A fresh directory for this bench run; all of them go with removeScratch(). */
export function scratchDir(name: string): string {
  scratchRoot ??= mkdtempSync(join(tmpdir(), "harmony-bench-push-"));
  return mkdtempSync(join(scratchRoot, `${name}-`));
}

export function removeScratch(): void {
  if (scratchRoot) rmSync(scratchRoot, { recursive: true, force: true });
  scratchRoot = undefined;
}

/** A file of random bytes, written in 1 MiB pieces (never held whole), kept across runs. */
async function randomFile(dir: string, name: string, bytes: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  if (existsSync(path)) return path;
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  for (let written = 0; written < bytes; written += MiB) {
    if (!out.write(randomBytes(Math.min(MiB, bytes - written)))) await new Promise((r) => out.once("drain", r));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  renameSync(tmp, path);
  return path;
}

export const IMAGE_TAG = "harmony-bench/push:200m";
export const GIB_IMAGE_TAG = "harmony-bench/push:1g";

/** An image built FROM scratch out of cached random files, in the world's Docker engine; its ID. */
async function imageOf(docker: DockerPart, tag: string, dir: string, files: { name: string; bytes: number }[]): Promise<string> {
  const inspect = async () => (await runOk([docker.bin, "image", "inspect", "--format", "{{.Id}}", tag], { env: docker.env }).catch(() => undefined))?.stdout.trim();
  const have = await inspect();
  if (have) return have;
  for (const f of files) await randomFile(dir, f.name, f.bytes);
  writeFileSync(join(dir, "Dockerfile"), ["FROM scratch", ...files.map((f, i) => `COPY ${f.name} /data/${i + 1}.bin`), ""].join("\n"));
  await runOk([docker.bin, "build", "--network=none", "-t", tag, dir], { env: docker.env });
  return (await inspect())!;
}

/** The ~200 MB image: four layers of 50 MiB of random bytes. */
export function benchImage(docker: DockerPart): Promise<string> {
  return imageOf(docker, IMAGE_TAG, join(DIR, "200m"), [1, 2, 3, 4].map((i) => ({ name: `layer-${i}.bin`, bytes: 50 * MiB })));
}

/** An image whose only layer holds 1 GiB of random bytes. */
export function gibImage(docker: DockerPart): Promise<string> {
  return imageOf(docker, GIB_IMAGE_TAG, join(DIR, "1g"), [{ name: "layer.bin", bytes: 1024 * MiB }]);
}

/** An OCI layout holding one image whose only layer is 1 GiB of random bytes; dir and manifest digest. */
export async function gibLayout(): Promise<{ dir: string; digest: string }> {
  const blob = await randomFile(join(DIR, "1g"), "layer.bin", 1024 * MiB);
  const sidecar = `${blob}.sha256`;
  if (!existsSync(sidecar)) writeFileSync(sidecar, (await hashFile(blob)).digest);
  const layerDigest = readFileSync(sidecar, "utf8").trim();
  const dir = scratchDir("layout");
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  linkSync(blob, join(blobs, layerDigest.slice(7)));
  const put = (bytes: Uint8Array) => {
    writeFileSync(join(blobs, sha256(bytes).slice(7)), bytes);
    return { digest: sha256(bytes), size: bytes.byteLength };
  };
  const config = new TextEncoder().encode(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layerDigest] } }));
  const manifest = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, ...put(config) }, layers: [{ mediaType: MEDIA.ociLayer, digest: layerDigest, size: 1024 * MiB }] }),
  );
  const root = put(manifest);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociManifest, ...root }] }));
  return { dir, digest: root.digest };
}

export interface FreshRegistry {
  readonly host: string;
  stop(): Promise<void>;
}

/** An empty distribution registry (anonymous, plain HTTP on loopback), for one measurement. */
export async function freshRegistry(): Promise<FreshRegistry> {
  world.missing("registry").forEach((why) => {
    throw new Error(why);
  });
  const dir = mkdtempSync(join(tmpdir(), "harmony-bench-registry-"));
  const host = `127.0.0.1:${freePort()}`;
  const config = join(dir, "config.yml");
  writeFileSync(config, JSON.stringify({ version: 0.1, log: { level: "error" }, storage: { filesystem: { rootdirectory: join(dir, "data") } }, http: { addr: host, secret: "bench" } }));
  const daemon = startDaemon("docker-registry", ["docker-registry", "serve", config], join(dir, "registry.log"));
  await waitFor(`registry on ${host}`, async () => (await fetch(`http://${host}/v2/`)).ok, 30_000, daemon);
  return {
    host,
    stop: async () => {
      await stopPid(daemon.pid, daemon.exe);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
