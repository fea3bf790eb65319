// Environment for the containers/image tools (buildah, skopeo): a per-run storage.conf
// (vfs, storage root in the run dir) and registries.conf. The registries.conf has no
// unqualified-search registries (a short name must never reach docker.io) and marks
// this run's plain-HTTP registries insecure; it is rewritten as registries start.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensure } from "./parts.ts";
import { subdir } from "./state.ts";

const insecure = new Set<string>();
let dir: string | undefined;

function confDir(): string {
  dir ??= subdir("containers");
  return dir;
}

/** Called by the registry part for each plain-HTTP registry it starts. */
export function noteRegistry(host: string): void {
  insecure.add(host);
  writeRegistriesConf();
}

function writeRegistriesConf(): string {
  const file = join(confDir(), "registries.conf");
  const entries = [...insecure].map((h) => `[[registry]]\nlocation = "${h}"\ninsecure = true\n`);
  writeFileSync(file, ['unqualified-search-registries = []', 'short-name-mode = "enforcing"', "", ...entries].join("\n"));
  return file;
}

export interface ContainersEnv {
  /** CONTAINERS_REGISTRIES_CONF, CONTAINERS_STORAGE_CONF, REGISTRY_AUTH_FILE (empty), BUILDAH_ISOLATION, STORAGE_DRIVER. */
  env: Record<string, string>;
  /** skopeo 1.9 ignores CONTAINERS_REGISTRIES_CONF: pass these global flags before the verb. */
  skopeoArgs: string[];
  /** buildah global flags equivalent to env (storage in the run dir, our registries.conf). */
  buildahArgs: string[];
}

let cached: ContainersEnv | undefined;

/** The env every buildah/skopeo invocation in tests should get. */
export function containersEnv(): ContainersEnv {
  if (cached) return cached;
  const root = subdir("containers", "storage");
  const runroot = subdir("containers", "run");
  const storageConf = join(confDir(), "storage.conf");
  writeFileSync(storageConf, `[storage]\ndriver = "vfs"\ngraphroot = "${root}"\nrunroot = "${runroot}"\n`);
  // An empty drop-in dir: Debian's registries.conf.d/shortnames.conf aliases short names to
  // docker.io and friends, which must never be contacted from here.
  const dropIns = subdir("containers", "registries.conf.d");
  const registriesConf = writeRegistriesConf();
  // No user's credentials: a test passes --authfile (or --creds) when it means to.
  const authFile = join(confDir(), "no-auth.json");
  writeFileSync(authFile, "{}\n");
  cached = {
    env: {
      CONTAINERS_REGISTRIES_CONF: registriesConf,
      CONTAINERS_STORAGE_CONF: storageConf,
      REGISTRY_AUTH_FILE: authFile,
      // buildah as root without a daemon: chroot isolation and the vfs driver just work
      BUILDAH_ISOLATION: "chroot",
      STORAGE_DRIVER: "vfs",
    },
    skopeoArgs: ["--registries-conf", registriesConf],
    buildahArgs: ["--storage-driver", "vfs", "--root", root, "--runroot", runroot,
      "--registries-conf", registriesConf, "--registries-conf-dir", dropIns],
  };
  return cached;
}

export interface BuildahPart {
  bin: string;
  env: Record<string, string>;
  /** Global flags (before the verb). */
  args: string[];
  /** Flags for `buildah bud`/`build`: chroot isolation (which always shares the host network:
   * buildah refuses --network none with it, so RUN steps must not need the network). */
  budArgs: string[];
}

export function buildah(): BuildahPart {
  const c = containersEnv();
  return { bin: tool("buildah"), env: c.env, args: c.buildahArgs, budArgs: ["--isolation", "chroot"] };
}

/** Path of a Debian-packaged tool; throws (with the install hint) when it is missing. */
export function tool(name: "buildah" | "skopeo"): string {
  ensure(name);
  return Bun.which(name)!;
}
