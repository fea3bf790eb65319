/**
 * buildkit and k3d: no buildkitd, no buildctl, no k3d and no cluster exist on the test machine, so
 * no real build was possible. What is tested: the exact arguments each would run, and the error
 * paths — a missing tool (the real lookup, with a PATH that lacks it) and an unreachable daemon or
 * cluster (a stand-in executable on PATH that exits the way buildctl/k3d do when they cannot
 * connect, so the adapter's spawn-and-classify path runs for real).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarmonyError, recordingReporter, type DockerfileBuild } from "../../../capabilities/index.ts";
import { buildctlArgs, createBuildkitBuilder, unreachable } from "../../../topologies/adapters/container-builder/buildkit.ts";
import { clusterMissing, createK3dBuilder, k3dImportArgs } from "../../../topologies/adapters/container-builder/k3d.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const work = () => ({ reporter: recordingReporter(), signal: new AbortController().signal });

const request: DockerfileBuild = {
  kind: "dockerfile",
  app: "web",
  contextDir: "/src/web",
  dockerfile: "/src/web/docker/Dockerfile.prod",
  buildArgs: { VERSION: "1.4.0" },
  target: "runtime",
  platforms: ["linux/amd64", "linux/arm64"],
  labels: { "org.opencontainers.image.title": "web" },
  cacheFrom: [{ registry: "127.0.0.1:5000", repository: "team/web", tag: "cache-abc" }],
};

/** A directory holding one executable `name` that records its argv and answers like the real tool. */
function standIn(name: string, stderr: string, code: number): { path: string; argvFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "harmony-standin-"));
  dirs.push(dir);
  const argvFile = join(dir, "argv");
  writeFileSync(join(dir, name), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\necho '${stderr}' >&2\nexit ${code}\n`);
  chmodSync(join(dir, name), 0o755);
  return { path: dir, argvFile };
}

describe("buildkit (buildctl) — not run for real: no buildkitd here", () => {
  test("arguments for an OCI layout", () => {
    expect(buildctlArgs({ host: "tcp://buildkitd:1234" }, request, { kind: "oci-layout", dir: "/out/web" }, "/tmp/m.json", request.labels)).toEqual([
      "--addr", "tcp://buildkitd:1234", "build",
      "--frontend", "dockerfile.v0",
      "--local", "context=/src/web",
      "--local", "dockerfile=/src/web/docker",
      "--opt", "filename=Dockerfile.prod",
      "--opt", "build-arg:VERSION=1.4.0",
      "--opt", "label:org.opencontainers.image.title=web",
      "--opt", "target=runtime",
      "--opt", "platform=linux/amd64,linux/arm64",
      "--opt", "force-network-mode=none",
      "--import-cache", "type=registry,ref=127.0.0.1:5000/team/web:cache-abc",
      "--export-cache", "type=inline",
      "--metadata-file", "/tmp/m.json",
      "--output", "type=oci,dest=/out/web,tar=false",
    ]);
  });

  test("arguments for a direct push", () => {
    const args = buildctlArgs({ host: "unix:///run/buildkit/buildkitd.sock", network: "host" }, { ...request, target: undefined, platforms: [], cacheFrom: undefined }, { kind: "push", ref: { registry: "127.0.0.1:5000", repository: "team/web", tag: "build" } }, "/m", {});
    expect(args).toContain("type=image,name=127.0.0.1:5000/team/web:build,push=true");
    expect(args).toContain("force-network-mode=host");
    expect(args).not.toContain("--import-cache");
    expect(args.join(" ")).not.toContain("target=");
  });

  test("tells an unreachable daemon from a failed build", () => {
    expect(unreachable('error: failed to get status: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1234: connect: connection refused"')).toBe(true);
    expect(unreachable("error: failed to solve: process \"/bin/sh -c make\" did not complete successfully: exit code: 2")).toBe(false);
  });

  test("buildctl missing: a config error, in preflight and in build", async () => {
    const builder = createBuildkitBuilder({ adapter: "buildkit", host: "tcp://127.0.0.1:1" }, { projectDir: "/", env: { PATH: "/nonexistent" } });
    expect(await builder.preflight!(work())).toEqual(["buildctl not found on PATH: the buildkit builder cannot run here (install buildctl (from the moby/buildkit release archive), or pick another containerBuilder adapter)"]);
    const failure = await builder.build(request, work()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HarmonyError);
    expect(failure).toMatchObject({ kind: "config", message: "buildctl not found on PATH: the buildkit builder cannot run here" });
  });

  test("buildkitd unreachable: the adapter runs buildctl and reports the host", async () => {
    const tool = standIn("buildctl", "error: rpc error: code = Unavailable desc = connection error: dial tcp 127.0.0.1:1: connect: connection refused", 1);
    const builder = createBuildkitBuilder({ adapter: "buildkit", host: "tcp://127.0.0.1:1", outputDir: join(tool.path, "out") }, { projectDir: "/", env: { PATH: tool.path } });
    const [problem] = await builder.preflight!(work());
    expect(problem).toStartWith("cannot reach buildkitd at tcp://127.0.0.1:1: error: rpc error");
    expect(readFileSync(tool.argvFile, "utf8").split("\n").slice(0, 4)).toEqual(["--addr", "tcp://127.0.0.1:1", "debug", "workers"]);
    const failure = await builder.build({ ...request, platforms: [] }, work()).catch((e: unknown) => e);
    expect(failure).toMatchObject({ kind: "failed", hint: "start buildkitd there, or fix containerBuilder.host (BUILDKIT_HOST)" });
    expect(readFileSync(tool.argvFile, "utf8")).toContain(`type=oci,dest=${join(tool.path, "out", "web")},tar=false`);
  });
});

describe("k3d — not run for real: no k3d or cluster here", () => {
  test("import arguments", () => {
    expect(k3dImportArgs("dev", "harmony.local/web:latest")).toEqual(["image", "import", "--cluster", "dev", "--mode", "direct", "harmony.local/web:latest"]);
    expect(clusterMissing("FATA[0000] failed to get cluster dev: No nodes found for given cluster")).toBe(true);
    expect(clusterMissing("ERRO[0001] failed to import image: write /tmp/x: no space left on device")).toBe(false);
  });

  test("k3d missing: a config error before any docker build starts", async () => {
    const builder = createK3dBuilder({ adapter: "k3d", cluster: "dev" }, { projectDir: "/", env: { PATH: "/nonexistent" } });
    const failure = await builder.build(request, work()).catch((e: unknown) => e);
    expect(failure).toMatchObject({ kind: "config", message: "k3d not found on PATH: the k3d builder cannot run here" });
    const problems = await builder.preflight!(work());
    expect(problems).toEqual([
      "docker not found on PATH: the docker builder cannot run here (install the docker CLI (Debian: docker.io, or docker-ce-cli), or pick another containerBuilder adapter)",
      "k3d not found on PATH: the k3d builder cannot run here (install k3d (https://k3d.io), or pick another containerBuilder adapter)",
    ]);
  });

  test("cluster unreachable: preflight runs k3d and names the cluster", async () => {
    const tool = standIn("k3d", "FATA[0000] failed to get cluster dev: No nodes found for given cluster", 1);
    const builder = createK3dBuilder({ adapter: "k3d", cluster: "dev" }, { projectDir: "/", env: { PATH: tool.path } });
    const problems = await builder.preflight!(work());
    expect(problems).toContain('k3d cluster "dev" is not reachable: FATA[0000] failed to get cluster dev: No nodes found for given cluster (create or start it (k3d cluster start dev), or fix containerBuilder.cluster)');
    expect(readFileSync(tool.argvFile, "utf8").trim().split("\n")).toEqual(["cluster", "get", "dev"]);
  });
});
