/** The daemonless builder's pure parts: reproducible layers, the derived image config, labels and build args. */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import * as tar from "tar-stream";
import { buildArgsFor } from "../../../topologies/adapters/container-builder/build-args.ts";
import { derivedConfig } from "../../../topologies/adapters/container-builder/daemonless/image-config.ts";
import { planLayer, writeLayer } from "../../../topologies/adapters/container-builder/daemonless/layer.ts";
import { imageLabels } from "../../../topologies/adapters/container-builder/oci-labels.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "harmony-layer-"));
  dirs.push(d);
  return d;
}

async function entries(gz: string): Promise<{ name: string; mode: number; uid: number; mtime: number; type: string; size: number; linkname: string | null }[]> {
  const out: { name: string; mode: number; uid: number; mtime: number; type: string; size: number; linkname: string | null }[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (h, stream, next) => {
      out.push({ name: h.name, mode: h.mode, uid: h.uid, mtime: h.mtime.getTime(), type: h.type, size: h.size, linkname: h.linkname ?? null });
      stream.on("end", next);
      stream.resume();
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(gunzipSync(readFileSync(gz)));
  await done;
  return out;
}

describe("layers", () => {
  test("sorted entries, parents included, root-owned, epoch mtimes, normalised modes, symlinks kept", async () => {
    const src = temp();
    mkdirSync(join(src, "lib"));
    writeFileSync(join(src, "run.sh"), "#!/bin/sh\n");
    chmodSync(join(src, "run.sh"), 0o775);
    writeFileSync(join(src, "lib", "b.txt"), "b");
    chmodSync(join(src, "lib", "b.txt"), 0o600);
    symlinkSync("lib/b.txt", join(src, "a-link"));
    const out = join(temp(), "layer.tgz");
    const written = await writeLayer(await planLayer(src, "/opt/app"), out);
    expect(written.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(written.diffId).toBe(`sha256:${new Bun.CryptoHasher("sha256").update(gunzipSync(readFileSync(out))).digest("hex")}`);
    expect(await entries(out)).toEqual([
      { name: "opt/", mode: 0o755, uid: 0, mtime: 0, type: "directory", size: 0, linkname: null },
      { name: "opt/app/", mode: 0o755, uid: 0, mtime: 0, type: "directory", size: 0, linkname: null },
      { name: "opt/app/a-link", mode: 0o777, uid: 0, mtime: 0, type: "symlink", size: 0, linkname: "lib/b.txt" },
      { name: "opt/app/lib/", mode: 0o755, uid: 0, mtime: 0, type: "directory", size: 0, linkname: null },
      { name: "opt/app/lib/b.txt", mode: 0o644, uid: 0, mtime: 0, type: "file", size: 1, linkname: null },
      { name: "opt/app/run.sh", mode: 0o755, uid: 0, mtime: 0, type: "file", size: 10, linkname: null },
    ]);
  });

  test("a single file goes to its destination, or into it when it ends with /", async () => {
    const src = temp();
    writeFileSync(join(src, "conf"), "x");
    expect((await planLayer(join(src, "conf"), "/etc/app.conf")).map((e) => e.path)).toEqual(["etc", "etc/app.conf"]);
    expect((await planLayer(join(src, "conf"), "/etc/app/")).map((e) => e.path)).toEqual(["etc", "etc/app", "etc/app/conf"]);
  });

  test("the same files give the same digest, big files (streamed) included, whatever their mtimes", async () => {
    const src = temp();
    const big = new Uint8Array(9 * 1024 * 1024).map((_, i) => (i * 31) % 251);
    writeFileSync(join(src, "big.bin"), big);
    writeFileSync(join(src, "small.txt"), "s");
    const first = await writeLayer(await planLayer(src, "/data"), join(temp(), "1.tgz"));
    utimesSync(join(src, "big.bin"), new Date(2011, 1, 1), new Date(2011, 1, 1));
    const secondPath = join(temp(), "2.tgz");
    const second = await writeLayer(await planLayer(src, "/data"), secondPath);
    expect(second).toEqual(first);
    expect((await entries(secondPath)).find((e) => e.name === "data/big.bin")?.size).toBe(big.length);
  });
});

describe("derivedConfig", () => {
  const base = {
    architecture: "amd64",
    os: "linux",
    config: { Env: ["PATH=/bin", "HOME=/root"], Cmd: ["/bin/sh"], Labels: { base: "busybox" }, StopSignal: "SIGTERM" },
    rootfs: { type: "layers", diff_ids: ["sha256:base"] },
    history: [{ created_by: "base layer" }],
  };

  test("applies the request with Dockerfile semantics and appends layers", () => {
    const config = derivedConfig(base, { entrypoint: ["/app/run"], env: { PATH: "/app:/bin", MODE: "prod" }, workdir: "/app", user: "1000", ports: [8080, 9090] }, { title: "x" }, [{ diffId: "sha256:ours", createdBy: "COPY app /app" }], "1970-01-01T00:00:00Z");
    expect(config).toEqual({
      architecture: "amd64",
      os: "linux",
      created: "1970-01-01T00:00:00Z",
      config: {
        Env: ["PATH=/app:/bin", "HOME=/root", "MODE=prod"],
        Entrypoint: ["/app/run"],
        Cmd: null,
        WorkingDir: "/app",
        User: "1000",
        ExposedPorts: { "8080/tcp": {}, "9090/tcp": {} },
        Labels: { base: "busybox", title: "x" },
        StopSignal: "SIGTERM",
      },
      rootfs: { type: "layers", diff_ids: ["sha256:base", "sha256:ours"] },
      history: [{ created_by: "base layer" }, { created: "1970-01-01T00:00:00Z", created_by: "COPY app /app", comment: "harmony daemonless" }],
    });
  });

  test("a CMD alone keeps the base's entrypoint; nothing asked changes nothing but layers", () => {
    const withCmd = derivedConfig({ ...base, config: { ...base.config, Entrypoint: ["/init"] } }, { cmd: ["serve"] }, {}, [], "t");
    expect(withCmd.config).toMatchObject({ Entrypoint: ["/init"], Cmd: ["serve"] });
    expect(derivedConfig(base, {}, {}, [], "t").config).toEqual(base.config);
  });
});

describe("labels and build args", () => {
  test("OCI labels from the CI's environment; the release's own labels win", () => {
    const env = { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "acme/fleet", GITHUB_SHA: "abc123" };
    const now = new Date("2026-03-01T10:00:00.123Z");
    expect(imageLabels({ "org.opencontainers.image.version": "1.4.0" }, env, { stampCreated: true, now })).toEqual({
      "org.opencontainers.image.source": "https://github.com/acme/fleet",
      "org.opencontainers.image.revision": "abc123",
      "org.opencontainers.image.created": "2026-03-01T10:00:00Z",
      "org.opencontainers.image.version": "1.4.0",
    });
    expect(imageLabels({}, { CI_PROJECT_URL: "https://gitlab.com/a/b", CI_COMMIT_SHA: "def" }, { stampCreated: false })).toEqual({
      "org.opencontainers.image.source": "https://gitlab.com/a/b",
      "org.opencontainers.image.revision": "def",
    });
    expect(imageLabels({}, { SOURCE_DATE_EPOCH: "86400" }, { stampCreated: false })).toEqual({ "org.opencontainers.image.created": "1970-01-02T00:00:00Z" });
  });

  test("build-arg values go through the environment unless the name is taken", () => {
    expect(buildArgsFor({ VERSION: "1", PATH: "/x", TOKEN: "t" }, { PATH: "/usr/bin", TOKEN: "t" })).toEqual({
      argv: ["--build-arg", "PATH=/x", "--build-arg", "TOKEN", "--build-arg", "VERSION"],
      env: { TOKEN: "t", VERSION: "1" },
    });
  });
});
