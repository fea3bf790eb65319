// A private dockerd: its own socket, exec-root, pidfile and config, never the user's
// daemon. No bridge, no iptables, no masquerading, so it claims no private address range;
// containers run with --network=none or host. The data root lives in the cache so
// locally built base images survive between runs; a lock keeps two runs off one root.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ensure, starting } from "./parts.ts";
import { CACHE } from "./paths.ts";
import { type Daemon, isRunning, processId, run, startDaemon, stopPid, waitFor } from "./proc.ts";
import { onTeardown, runDir, subdir, track } from "./state.ts";

export interface DockerPart {
  /** For DOCKER_HOST / `docker -H`: unix:///tmp/harmony-world-…/docker/docker.sock */
  host: string;
  socket: string;
  /** DOCKER_HOST plus an empty DOCKER_CONFIG, so no user credentials or helpers leak in. */
  env: Record<string, string>;
  /** The docker CLI found on PATH. */
  bin: string;
  storageDriver: string;
  dataRoot: string;
  log: string;
}

/** Storage drivers to try, best first. overlay2 fails on e.g. an overlay root fs; vfs always works. */
function drivers(): string[] {
  const forced = process.env.HARMONY_WORLD_DOCKER_STORAGE;
  return forced ? [forced] : ["overlay2", "vfs"];
}

export async function startDocker(): Promise<DockerPart> {
  ensure("docker");
  const dir = subdir("docker");
  const log = join(dir, "dockerd.log");
  return starting("docker", [log], async () => {
    const socket = join(dir, "docker.sock");
    const host = `unix://${socket}`;
    const configFile = join(dir, "daemon.json");
    writeFileSync(configFile, "{}\n"); // never read the user's /etc/docker/daemon.json
    let lastError = "";
    for (const driver of drivers()) {
      const dataRoot = lockDataRoot(driver);
      const wasMount = isMountPoint(dataRoot);
      // dockerd bind-mounts its data root onto itself and leaves that behind when its
      // start fails; unmount it once dockerd is gone (registered before the stop: LIFO).
      onTeardown(`unmount ${dataRoot}`, () => unmountIfNew(dataRoot, wasMount));
      const daemon = track(
        startDaemon(
          "dockerd",
          [
            "dockerd",
            `--host=${host}`,
            `--exec-root=${join(dir, "exec")}`,
            `--pidfile=${join(dir, "docker.pid")}`,
            `--data-root=${dataRoot}`,
            `--config-file=${configFile}`,
            `--storage-driver=${driver}`,
            "--bridge=none",
            "--iptables=false",
            "--ip6tables=false",
            "--ip-masq=false",
            "--log-level=warn", // keeps the log tail in a start-up error readable
          ],
          log,
        ),
        30_000,
      );
      try {
        await waitFor("dockerd to answer /_ping", () => ping(socket), 60_000, daemon);
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        await stopPid(daemon.pid, daemon.exe);
        unmountIfNew(dataRoot, wasMount);
        continue;
      }
      writeFileSync(join(runDir(), "docker.host"), host); // for reaping a crashed run's cluster
      const env = { DOCKER_HOST: host, DOCKER_CONFIG: emptyDockerConfig(dir) };
      const bin = Bun.which("docker")!;
      onTeardown("clean dockerd", () => cleanDaemon(bin, env, daemon));
      return { host, socket, env, bin, storageDriver: driver, dataRoot, log };
    }
    throw new Error(`no storage driver worked (${drivers().join(", ")}): ${lastError}`);
  });
}

function isMountPoint(dir: string): boolean {
  return readFileSync("/proc/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === dir);
}

function unmountIfNew(dir: string, wasMount: boolean): void {
  if (!wasMount && isMountPoint(dir)) Bun.spawnSync(["umount", dir]);
}

async function ping(socket: string): Promise<boolean> {
  const res = await fetch("http://localhost/_ping", { unix: socket });
  return res.ok;
}

function emptyDockerConfig(dir: string): string {
  const d = join(dir, "cli-config");
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "config.json"), "{}\n");
  return d;
}

/**
 * The cached data root for `driver`, locked for this process. If another live run
 * holds it, fall back to a throw-away data root under the run dir (slower, but safe).
 */
function lockDataRoot(driver: string): string {
  const root = join(CACHE, `docker-${driver}`);
  const lock = `${root}.lock`;
  mkdirSync(CACHE, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, processId(process.pid));
      closeSync(fd);
      onTeardown(`unlock ${lock}`, () => rmSync(lock, { force: true }));
      return root;
    } catch {
      const holder = readFileSync(lock, "utf8").trim();
      const pid = Number(holder.split(" ")[0]);
      // the same pid AND start time: that run is alive (a reused pid is not a holder)
      if (pid && pid !== process.pid && isRunning(pid) && processId(pid) === holder) {
        console.warn(`[world] ${root} is in use by the run with pid ${pid}; using a private docker data root`);
        return subdir("docker", `data-${driver}`);
      }
      rmSync(lock, { force: true }); // stale: its run is gone
    }
  }
  throw new Error(`cannot take the lock ${lock}`);
}

/**
 * Before dockerd stops: remove every container of this private daemon (they are all
 * ours) and untag images that point at this run's registries (their ports die with the
 * run), keeping the base layers cached for the next run.
 */
async function cleanDaemon(bin: string, env: Record<string, string>, daemon: Daemon): Promise<void> {
  if (!isRunning(daemon.pid)) return;
  const ids = (await run([bin, "ps", "-aq"], { env })).stdout.split("\n").filter(Boolean);
  if (ids.length) await run([bin, "rm", "-f", ...ids], { env });
  // Digest references too: they would outlive the tags and keep stale repo digests
  // (which the kubelet reports as a pod's imageID) in the cached data root.
  const listed = await run([bin, "images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}"], { env });
  const refs = listed.stdout
    .split("\n")
    .map((l) => l.split(" "))
    .filter(([repo]) => repo?.startsWith("127.0.0.1:") || repo?.startsWith("localhost:"))
    .flatMap(([repo, tag, digest]) => [
      ...(tag && tag !== "<none>" ? [`${repo}:${tag}`] : []),
      ...(digest && digest !== "<none>" ? [`${repo}@${digest}`] : []),
    ]);
  if (refs.length) await run([bin, "rmi", "-f", ...refs], { env });
  await run([bin, "image", "prune", "-f"], { env });
}
