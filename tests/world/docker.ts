// A private dockerd: its own socket, exec-root, pidfile and config, never the user's
// daemon. No bridge, no iptables, no masquerading, so it claims no private address range;
// containers run with --network=none or host. The data root lives in the cache so
// locally built base images survive between runs; a lock keeps two runs off one root.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ensure, starting } from "./parts.ts";
import { CACHE } from "./paths.ts";
import { type Daemon, isRunning, run, startDaemon, stopPid, waitFor } from "./proc.ts";
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
  mkdirSync(root, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      onTeardown(`unlock ${lock}`, () => rmSync(lock, { force: true }));
      return root;
    } catch {
      const holder = Number(readFileSync(lock, "utf8").trim());
      if (holder && holder !== process.pid && isRunning(holder)) break;
      rmSync(lock, { force: true }); // stale: its run is gone
    }
  }
  console.warn(`[world] ${root} is in use by another run; using a private docker data root`);
  return subdir("docker", `data-${driver}`);
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
  const refs = (await run([bin, "images", "--format", "{{.Repository}}:{{.Tag}}"], { env })).stdout
    .split("\n")
    .filter((r) => r.startsWith("127.0.0.1:") || r.startsWith("localhost:"));
  if (refs.length) await run([bin, "rmi", "-f", ...refs], { env });
  await run([bin, "image", "prune", "-f"], { env });
}
