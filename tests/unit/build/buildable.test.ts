/** Golden tests: each generator's Dockerfile, byte for byte. `UPDATE_GOLDEN=1` rewrites them after a deliberate change. */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BuildableGenerator } from "../../../scores/app-spec.ts";
import { buildableRequest, bun, dockerfileFor, dockerfileForSpec, GENERATORS, rustLeptos, staticSite, writeDockerfile } from "../../../scores/buildable/index.ts";

const GOLDEN = join(import.meta.dir, "../../../fixtures/build/golden");

const cases: { name: string; spec: BuildableGenerator }[] = [
  { name: "static-site", spec: { kind: "static-site", dir: "./site/", port: 8080 } },
  { name: "bun", spec: { kind: "bun", entry: "src/index.ts", port: 8080 } },
  { name: "rust-leptos", spec: { kind: "rust-leptos", binary: "fleet-ui", port: 3000 } },
];

describe("buildable generators emit their golden Dockerfile", () => {
  for (const { name, spec } of cases) {
    test(name, () => {
      const { dockerfile } = dockerfileForSpec(spec);
      const file = join(GOLDEN, `${name}.Dockerfile`);
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, dockerfile);
      expect(existsSync(file)).toBe(true);
      expect(dockerfile).toBe(readFileSync(file, "utf8"));
    });
  }
});

describe("generator values", () => {
  test("dockerfileFor takes a generator and its typed options", () => {
    expect(dockerfileFor(staticSite, { dir: "site" }).dockerfile).toContain('ENTRYPOINT ["httpd","-f","-v","-p","8080","-h","/www"]');
    expect(dockerfileFor(bun, { entry: "./main.ts", port: 9000 }).dockerfile).toContain("bun build --compile --minify --sourcemap main.ts");
    expect(Object.keys(GENERATORS).sort()).toEqual(["bun", "rust-leptos", "static-site"]);
  });

  test("every generator takes its base image from ARG BASE", () => {
    for (const { spec } of cases) expect(dockerfileForSpec(spec).dockerfile).toMatch(/^ARG BASE=\S+$/m);
  });

  test("paths outside the context and bad binary names are refused", () => {
    expect(() => dockerfileFor(staticSite, { dir: "../elsewhere" })).toThrow(RangeError);
    expect(() => dockerfileFor(staticSite, { dir: "/abs" })).toThrow("inside the build context");
    expect(() => dockerfileFor(rustLeptos, { binary: "a b; rm -rf" })).toThrow(RangeError);
  });

  test("buildableRequest turns a BuildableSource into a DockerfileBuild", () => {
    const dir = mkdtempSync(join(tmpdir(), "harmony-buildable-test-"));
    try {
      const request = buildableRequest({
        app: "site",
        projectRoot: "/src/site",
        generator: { kind: "static-site", dir: "public" },
        labels: { "org.opencontainers.image.title": "site" },
        buildArgs: { BASE: "127.0.0.1:5000/base/busybox:1" },
        dockerfileDir: dir,
      });
      expect(request).toMatchObject({ kind: "dockerfile", app: "site", contextDir: "/src/site", platforms: [], buildArgs: { BASE: "127.0.0.1:5000/base/busybox:1" } });
      expect(readFileSync(request.dockerfile, "utf8")).toBe(dockerfileFor(staticSite, { dir: "public" }).dockerfile);
      // the file name follows the content: the same generator reuses one file
      expect(writeDockerfile(readFileSync(request.dockerfile, "utf8"), dir)).toBe(request.dockerfile);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
