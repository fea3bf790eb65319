// Shared by the publish tests: a work context that records, the world's fixture app built once
// by the real Docker engine, an adapter environment that sees no user's credentials, and the
// real clients (docker, skopeo) that read back what harmony pushed.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { recordingReporter, type WorkContext } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../../topologies/create.ts";
import { FIXTURES, run, runOk, world, type RegistryPart } from "../../world/index.ts";
import { subdir } from "../../world/state.ts";

export const SLOW = 300_000;

export function recordingWork(): WorkContext & { lines: string[] } {
  const reporter = recordingReporter();
  return { reporter, signal: new AbortController().signal, lines: reporter.lines };
}

/** A fresh directory inside the world's run dir, so the world's teardown removes it. */
export function scratch(name: string): string {
  return subdir("publish", `${name}-${crypto.randomUUID().slice(0, 8)}`);
}

/** The process env plus the world's DOCKER_HOST, with a private HOME (no user config, its own layer cache). */
export async function adapterEnv(extra: Record<string, string | undefined> = {}): Promise<AdapterEnv> {
  const docker = await world.docker();
  const home = scratch("home");
  mkdirSync(join(home, ".docker"));
  const env: Record<string, string | undefined> = { ...process.env, ...docker.env, HOME: home, XDG_CACHE_HOME: join(home, ".cache") };
  delete env.DOCKER_CONFIG; // credentials come only from what a test puts in place
  delete env.REGISTRY_AUTH_FILE;
  return { projectDir: scratch("project"), env: { ...env, ...extra } };
}

let built: Promise<string> | undefined;

/** The fixture app (FROM the world's busybox base, with a RUN step), built once; its image ID. */
export function fixtureImage(): Promise<string> {
  built ??= (async () => {
    const docker = await world.docker();
    const base = await world.baseImage(await world.registry());
    const tag = "harmony-test/publish-app:built";
    await runOk([docker.bin, "build", "--network=none", "--build-arg", `BASE=${base}`, "-t", tag, join(FIXTURES, "app")], { env: docker.env });
    return (await runOk([docker.bin, "image", "inspect", "--format", "{{.Id}}", tag], { env: docker.env })).stdout.trim();
  })();
  return built;
}

/** `docker pull` (after removing any local copy) and the digest it reports. */
export async function dockerPull(ref: string, dockerConfig?: string): Promise<string> {
  const docker = await world.docker();
  const env = dockerConfig ? { ...docker.env, DOCKER_CONFIG: dockerConfig } : docker.env;
  await run([docker.bin, "rmi", "-f", ref], { env });
  const out = await runOk([docker.bin, "pull", ref], { env });
  const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(out.stdout)?.[1];
  if (!digest) throw new Error(`no digest in docker pull output:\n${out.stdout}`);
  return digest;
}

export interface SkopeoInspect {
  Name: string;
  Digest: string;
  RepoTags?: string[];
  Layers: string[];
}

export async function skopeoInspect(transportRef: string, args: string[] = []): Promise<SkopeoInspect> {
  const { env, skopeoArgs } = world.containersEnv();
  const out = await runOk([world.tool("skopeo"), ...skopeoArgs, "inspect", ...args, transportRef], { env });
  return JSON.parse(out.stdout) as SkopeoInspect;
}

export async function skopeoRawManifest(transportRef: string, args: string[] = []): Promise<{ mediaType?: string; layers: { mediaType: string }[] }> {
  const { env, skopeoArgs } = world.containersEnv();
  const out = await runOk([world.tool("skopeo"), ...skopeoArgs, "inspect", "--raw", ...args, transportRef], { env });
  return JSON.parse(out.stdout) as { mediaType?: string; layers: { mediaType: string }[] };
}

/** The repositories a registry holds (`GET /v2/_catalog`), with its credentials when it has any. */
export async function catalog(reg: RegistryPart): Promise<string[]> {
  const headers: Record<string, string> = reg.username ? { authorization: `Basic ${btoa(`${reg.username}:${reg.password}`)}` } : {};
  const ca = reg.caFile ? await Bun.file(reg.caFile).text() : undefined;
  const response = await fetch(`${reg.url}/v2/_catalog`, { headers, ...(ca ? { tls: { ca } } : {}) } as RequestInit);
  if (!response.ok) throw new Error(`catalog of ${reg.host}: ${response.status}`);
  return ((await response.json()) as { repositories: string[] }).repositories;
}
