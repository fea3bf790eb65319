/** The content key over real files in temp dirs, and the reasons given when it moves. */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { DockerfileBuild, FilesOnBaseBuild } from "../../../capabilities/index.ts";
import { computeContentKey, decodeKeyRecord, encodeKeyRecord, explainChange } from "../../../scores/content-key/index.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "harmony-key-"));
  dirs.push(root);
  for (const [path, content] of Object.entries(files)) write(root, path, content);
  return root;
}

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

function request(root: string, over: Partial<DockerfileBuild> = {}): DockerfileBuild {
  return { kind: "dockerfile", app: "web", contextDir: root, dockerfile: join(root, "Dockerfile"), buildArgs: {}, platforms: [], labels: {}, ...over };
}

const APP = {
  Dockerfile: "FROM scratch\nCOPY . /app\n",
  ".dockerignore": "node_modules\n*.log\n",
  "src/index.ts": "console.log(1)\n",
  "src/lib/a.ts": "export const a = 1\n",
  "README.md": "# app\n",
  "node_modules/x/index.js": "junk\n",
  "debug.log": "noise\n",
};
const key = (r: DockerfileBuild, builder = "docker") => computeContentKey(r, { builder });

describe("computeContentKey", () => {
  test("the same content gives the same key; the manifest lists what Docker would send", async () => {
    const a = await key(request(project(APP)));
    const b = await key(request(project(APP)));
    expect(a.key).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(b.key).toBe(a.key);
    expect(Object.keys(a.files).sort()).toEqual([".dockerignore", "README.md", "src/", "src/index.ts", "src/lib/", "src/lib/a.ts"]);
    expect(a.files["src/index.ts"]).toMatch(/^644:[a-f0-9]{64}$/);
  });

  test("ignored files, mtimes and the order files were created in do not move the key", async () => {
    const root = project(APP);
    const before = await key(request(root));
    write(root, "node_modules/y.js", "more junk");
    write(root, "other.log", "x");
    utimesSync(join(root, "src/index.ts"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect((await key(request(root))).key).toBe(before.key);
  });

  test("release labels do not count, other labels and every build input do", async () => {
    const root = project(APP);
    const base = await key(request(root, { labels: { "org.opencontainers.image.version": "1.0.0" } }));
    const labelled = (await key(request(root, { labels: { "org.opencontainers.image.version": "2.0.0", "org.opencontainers.image.created": "now" } }))).key;
    expect(labelled).toBe(base.key);
    const variants = [
      request(root, { labels: { team: "a" } }),
      request(root, { buildArgs: { VERSION: "1" } }),
      request(root, { target: "runtime" }),
      request(root, { platforms: ["linux/arm64"] }),
    ];
    const keys = await Promise.all(variants.map((r) => key(r)));
    keys.push(await key(request(root), "buildah"));
    expect(new Set([base.key, ...keys.map((k) => k.key)]).size).toBe(6);
  });

  test("mode bits and symlinks count", async () => {
    const root = project(APP);
    const before = await key(request(root));
    chmodSync(join(root, "src/index.ts"), 0o755);
    const exec = await key(request(root));
    expect(exec.key).not.toBe(before.key);
    expect(explainChange(before, exec)).toEqual(["src/index.ts changed"]);
    symlinkSync("index.ts", join(root, "src/link.ts"));
    expect((await key(request(root))).files["src/link.ts"]).toBe("link:index.ts");
  });

  test("build-arg values are stored only as hashes", async () => {
    const k = await key(request(project(APP), { buildArgs: { TOKEN: "s3cr3t-value" } }));
    expect(JSON.stringify(k)).not.toContain("s3cr3t-value");
    expect(Buffer.from(encodeKeyRecord(k)).toString("latin1")).not.toContain("s3cr3t");
  });

  test("files-on-base builds key the files at their image paths, the base and the config", async () => {
    const root = project({ "bin/worker.sh": "#!/bin/sh\necho hi\n", "etc/conf": "x=1\n" });
    const files: FilesOnBaseBuild = {
      kind: "files", app: "worker", base: { registry: "127.0.0.1:5000", repository: "base/busybox", tag: "1" },
      layers: [{ from: join(root, "bin"), to: "/app/bin" }, { from: join(root, "etc/conf"), to: "/etc/worker.conf" }],
      config: { entrypoint: ["/app/bin/worker.sh"] }, labels: {},
    };
    const k = await computeContentKey(files, { builder: "daemonless" });
    expect(Object.keys(k.files).sort()).toEqual(["/app/bin/worker.sh", "/etc/worker.conf"]);
    const moved = await computeContentKey(files, { builder: "daemonless", baseDigest: `sha256:${"a".repeat(64)}` });
    expect(explainChange(k, moved)).toEqual([`base image changed (127.0.0.1:5000/base/busybox:1 → 127.0.0.1:5000/base/busybox:1@sha256:${"a".repeat(64)})`]);
    const cmd = await computeContentKey({ ...files, config: { entrypoint: ["/app/bin/worker.sh"], cmd: ["run"] } }, { builder: "daemonless" });
    expect(explainChange(k, cmd)).toEqual(["image config changed (entrypoint, cmd, env, workdir, user or ports)"]);
  });
});

describe("explainChange", () => {
  test("names the one changed file, the Dockerfile and build args by name", async () => {
    const root = project(APP);
    const before = await key(request(root, { buildArgs: { VERSION: "1", MODE: "a" } }));
    write(root, "src/index.ts", "console.log(2)\n");
    write(root, "Dockerfile", "FROM scratch\nCOPY . /srv\n");
    const after = await key(request(root, { buildArgs: { VERSION: "2", EXTRA: "x" } }));
    expect(explainChange(before, after)).toEqual([
      "Dockerfile changed",
      "build arg EXTRA added",
      "build arg MODE removed",
      "build arg VERSION changed",
      "src/index.ts changed",
    ]);
  });

  test("groups many changes under their top directory, naming a few", async () => {
    const root = project(APP);
    const before = await key(request(root));
    for (const f of ["src/a.ts", "src/b.ts", "src/c.ts", "src/d.ts"]) write(root, f, "new\n");
    rmSync(join(root, "README.md"));
    const after = await key(request(root));
    expect(explainChange(before, after)).toEqual(["README.md removed", "4 files added under src/ (src/a.ts, src/b.ts, src/c.ts, …)"]);
  });

  test("first build, unchanged, and an emptied directory", async () => {
    const root = project({ ...APP, "assets/.keep": "" });
    const before = await key(request(root));
    expect(explainChange(undefined, before)).toEqual(["no previous build recorded for this image"]);
    expect(explainChange(before, before)).toEqual([]);
    rmSync(join(root, "assets/.keep"));
    expect(explainChange(before, await key(request(root)))).toEqual(["assets/.keep removed"]);
  });

  test("a record survives encode/decode and garbage decodes to undefined", async () => {
    const k = await key(request(project(APP), { buildArgs: { A: "1" }, target: "t" }));
    expect(decodeKeyRecord(encodeKeyRecord(k))).toEqual(k);
    expect(decodeKeyRecord(new TextEncoder().encode("not gzip"))).toBeUndefined();
  });
});
