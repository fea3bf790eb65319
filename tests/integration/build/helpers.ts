/** Shared by the build integration tests: a recording work context, fixture copies, running images. */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingReporter, type DockerfileBuild, type WorkContext } from "../../../capabilities/index.ts";
import { FIXTURES, runOk, world } from "../../world/index.ts";

export const BUILD_FIXTURES = join(FIXTURES, "..", "build");
/** First use of a part may start dockerd or push the base image. */
export const SLOW = 300_000;

export function recordingWork(signal: AbortSignal = new AbortController().signal): WorkContext & { lines: string[] } {
  const reporter = recordingReporter();
  return { reporter, signal, lines: reporter.lines };
}

const temps: string[] = [];

/** A private copy of a fixture, so a test may change files without touching the repository. */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `harmony-build-${name}-`));
  temps.push(dir);
  cpSync(join(BUILD_FIXTURES, name), dir, { recursive: true });
  return dir;
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `harmony-build-${prefix}-`));
  temps.push(dir);
  return dir;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function helloRequest(contextDir: string, base: string, over: Partial<DockerfileBuild> = {}): DockerfileBuild {
  return {
    kind: "dockerfile",
    app: "hello",
    contextDir,
    dockerfile: join(contextDir, "Dockerfile"),
    buildArgs: { BASE: base, GREETING: "built by harmony" },
    platforms: [],
    labels: { "org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "1.0.0" },
    ...over,
  };
}

/** `docker run --rm --network=none IMAGE`: its stdout, trimmed. */
export async function dockerRun(image: string, ...args: string[]): Promise<string> {
  const docker = await world.docker();
  return (await runOk([docker.bin, "run", "--rm", "--network=none", image, ...args], { env: docker.env })).stdout.trim();
}

/** Copies an OCI layout into the registry with skopeo (the OciRegistry adapters are another issue's). */
export async function pushLayout(layout: string, ref: string): Promise<void> {
  const { env, skopeoArgs } = world.containersEnv();
  await runOk([world.tool("skopeo"), ...skopeoArgs, "copy", "--dest-tls-verify=false", `oci:${layout}:latest`, `docker://${ref}`], { env });
}
