// Base images: nothing can be pulled from the internet, so the world builds one from
// Debian's static busybox (FROM scratch + /bin/busybox + a symlink per applet), keeps it
// in the cached docker data root, and pushes it to whichever local registry asks.
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DockerPart } from "./docker.ts";
import { starting } from "./parts.ts";
import { run, runOk } from "./proc.ts";
import type { RegistryPart } from "./registry.ts";
import { subdir } from "./state.ts";

const BUSYBOX = "/bin/busybox";
let base: Promise<string> | undefined;

/** "harmony-world/busybox:<sha12 of /bin/busybox>": rebuilt only when busybox changes. */
async function localBase(docker: DockerPart): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(readFileSync(BUSYBOX));
  const tag = `harmony-world/busybox:${hasher.digest("hex").slice(0, 12)}`;
  const have = await run([docker.bin, "image", "inspect", tag], { env: docker.env });
  if (have.code === 0) return tag;
  const ctx = subdir("base-image");
  const bin = subdir("base-image", "bin");
  writeFileSync(join(bin, "busybox"), readFileSync(BUSYBOX), { mode: 0o755 });
  const applets = (await runOk([BUSYBOX, "--list"])).stdout.split("\n").filter((a) => a && a !== "busybox");
  for (const a of applets) symlinkSync("busybox", join(bin, a));
  writeFileSync(
    join(ctx, "Dockerfile"),
    ["FROM scratch", "COPY bin /bin", "ENV PATH=/bin", 'CMD ["/bin/sh"]', ""].join("\n"),
  );
  await runOk([docker.bin, "build", "--network=none", "-t", tag, ctx], { env: docker.env });
  return tag;
}

/**
 * `${registry.host}/base/busybox:1`, pushed to `registry` (with its credentials), for
 * fixture Dockerfiles to start FROM (pass it as build arg BASE).
 */
export async function pushBaseImage(docker: DockerPart, registry: RegistryPart): Promise<string> {
  return starting(`baseImage(${registry.host})`, [registry.log, docker.log], async () => {
    base ??= localBase(docker);
    const local = await base;
    const ref = `${registry.host}/base/busybox:1`;
    const env = { ...docker.env, DOCKER_CONFIG: registry.dockerConfigDir };
    await runOk([docker.bin, "tag", local, ref], { env });
    await runOk([docker.bin, "push", ref], { env });
    return ref;
  });
}
