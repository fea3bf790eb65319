/**
 * Buildable generators: pick one by its kind in harmony.yaml, get a Dockerfile. The lead's
 * release preparation turns a BuildableSource into a DockerfileBuild with `buildableRequest`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DockerfileBuild } from "../../capabilities/index.ts";
import type { BuildableGenerator } from "../app-spec.ts";
import { bun, type BunOptions } from "./bun.ts";
import type { Generator } from "./generator.ts";
import { rustLeptos, type RustLeptosOptions } from "./rust-leptos.ts";
import { staticSite, type StaticSiteOptions } from "./static-site.ts";

export type { Generator } from "./generator.ts";
export { bun, staticSite, rustLeptos, type BunOptions, type StaticSiteOptions, type RustLeptosOptions };

/** Every generator by the kind harmony.yaml names it with. */
export const GENERATORS = {
  bun,
  "static-site": staticSite,
  "rust-leptos": rustLeptos,
} as const satisfies { [K in BuildableGenerator["kind"]]: Generator<Omit<Extract<BuildableGenerator, { kind: K }>, "kind">> };

export function dockerfileFor<O>(generator: Generator<O>, options: O): { dockerfile: string } {
  return { dockerfile: generator.dockerfile(options) };
}

/** The Dockerfile for a generator as AppSpec carries it (`{kind, ...options}`). */
export function dockerfileForSpec(spec: BuildableGenerator): { dockerfile: string; describe: string } {
  switch (spec.kind) {
    case "bun":
      return { dockerfile: bun.dockerfile(spec), describe: bun.describe(spec) };
    case "static-site":
      return { dockerfile: staticSite.dockerfile(spec), describe: staticSite.describe(spec) };
    case "rust-leptos":
      return { dockerfile: rustLeptos.dockerfile(spec), describe: rustLeptos.describe(spec) };
  }
}

/**
 * Writes `dockerfile` to `<dir>/<sha256 prefix>.Dockerfile` and returns its path. The name is
 * derived from the content, so repeated releases reuse one file instead of piling up temp files,
 * and the Dockerfile stays outside the user's project (docker and buildah accept `-f` outside
 * the context).
 */
export function writeDockerfile(dockerfile: string, dir = join(tmpdir(), "harmony-buildable")): string {
  mkdirSync(dir, { recursive: true });
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(dockerfile);
  const path = join(dir, `${hasher.digest("hex").slice(0, 16)}.Dockerfile`);
  writeFileSync(path, dockerfile);
  return path;
}

export interface BuildableRequestInput {
  readonly app: string;
  /** The build context: the app's projectRoot. */
  readonly projectRoot: string;
  readonly generator: BuildableGenerator;
  readonly labels: Readonly<Record<string, string>>;
  /** E.g. `{ BASE: "127.0.0.1:5000/base/busybox:1" }` where the public default cannot be pulled. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly platforms?: readonly string[];
  /** Where the generated Dockerfile is written (default: a harmony dir under the OS temp dir). */
  readonly dockerfileDir?: string;
}

/** A BuildableSource as the DockerfileBuild every ContainerBuilder understands. */
export function buildableRequest(input: BuildableRequestInput): DockerfileBuild {
  const { dockerfile } = dockerfileForSpec(input.generator);
  return {
    kind: "dockerfile",
    app: input.app,
    contextDir: input.projectRoot,
    dockerfile: writeDockerfile(dockerfile, input.dockerfileDir),
    buildArgs: input.buildArgs ?? {},
    platforms: input.platforms ?? [],
    labels: input.labels,
  };
}
