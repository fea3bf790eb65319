/**
 * Exports an image from a Docker daemon with `docker save -o FILE IMAGE`: the CLI streams the
 * archive to disk, so memory stays flat whatever the image size. The daemon is the one DOCKER_HOST
 * (from the adapter's environment) names. Output goes to debug; the run stops when work is aborted.
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";

type Env = Readonly<Record<string, string | undefined>>;

const GRACE_MS = 5_000;

function defined(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export async function dockerSave(imageId: string, out: string, env: Env, work: WorkContext): Promise<void> {
  const docker = Bun.which("docker", { PATH: env.PATH ?? "" });
  if (!docker) {
    throw new HarmonyError("config", "docker not found on PATH: an image built in a Docker daemon is exported with `docker save`", {
      hint: "install the docker CLI, or use a builder that writes an OCI layout",
    });
  }
  if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted before docker save");
  const child = Bun.spawn([docker, "save", "-o", out, imageId], { env: defined(env), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let killer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    child.kill("SIGTERM");
    killer = setTimeout(() => child.kill("SIGKILL"), GRACE_MS);
  };
  work.signal.addEventListener("abort", stop, { once: true });
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    for (const line of `${stdout}\n${stderr}`.split("\n")) if (line.trim()) work.reporter.debug(`docker save: ${line}`);
    if (work.signal.aborted) throw new HarmonyError("interrupted", "interrupted during docker save");
    if (code !== 0) {
      const said = stderr.trim().split("\n").slice(-3).join(" ");
      throw new HarmonyError("failed", `docker save ${imageId} failed (exit ${code}): ${said}`, {
        hint: env.DOCKER_HOST ? `the daemon is DOCKER_HOST=${env.DOCKER_HOST}` : "is the Docker daemon running (or DOCKER_HOST set)?",
      });
    }
  } finally {
    if (killer) clearTimeout(killer);
    work.signal.removeEventListener("abort", stop);
  }
}
