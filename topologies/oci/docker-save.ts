/**
 * `docker save IMAGE` as a stream: the archive is read as the daemon writes it, so nothing waits
 * for the whole export and memory stays flat. The daemon is the one DOCKER_HOST (from the adapter's
 * environment) names. The run stops when work is aborted; a failure reports the CLI's last words.
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";

type Env = Readonly<Record<string, string | undefined>>;

const GRACE_MS = 5_000;

function defined(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface DockerSave {
  readonly stdout: ReadableStream<Uint8Array>;
  /** Resolves when docker exited 0 (after stdout was read); rejects with what it said otherwise. */
  readonly done: Promise<void>;
}

export function spawnDockerSave(imageId: string, env: Env, work: WorkContext): DockerSave {
  const docker = Bun.which("docker", { PATH: env.PATH ?? "" });
  if (!docker) {
    throw new HarmonyError("config", "docker not found on PATH: an image built in a Docker daemon is exported with `docker save`", {
      hint: "install the docker CLI, or use a builder that writes an OCI layout",
    });
  }
  if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted before docker save");
  work.reporter.info(`exporting ${imageId} from the Docker daemon`);
  const child = Bun.spawn([docker, "save", imageId], { env: defined(env), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let killer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    child.kill("SIGTERM");
    killer = setTimeout(() => child.kill("SIGKILL"), GRACE_MS);
  };
  work.signal.addEventListener("abort", stop, { once: true });
  const done = (async () => {
    try {
      const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
      for (const line of stderr.split("\n")) if (line.trim()) work.reporter.debug(`docker save: ${line}`);
      if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted during docker save");
      if (code !== 0) {
        throw new HarmonyError("failed", `docker save ${imageId} failed (exit ${code}): ${stderr.trim().split("\n").slice(-3).join(" ")}`, {
          hint: env.DOCKER_HOST ? `the daemon is DOCKER_HOST=${env.DOCKER_HOST}` : "is the Docker daemon running (or DOCKER_HOST set)?",
        });
      }
    } finally {
      if (killer) clearTimeout(killer);
      work.signal.removeEventListener("abort", stop);
    }
  })();
  done.catch(() => {}); // awaited by the reader; a failed save also ends stdout early
  return { stdout: child.stdout, done };
}
