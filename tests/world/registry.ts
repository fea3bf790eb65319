// The CNCF distribution registry (Debian `docker-registry`) on 127.0.0.1, in the
// flavours tests ask for: anonymous or htpasswd auth, plain HTTP or TLS signed by a CA
// generated for this run. Storage is a temp dir, so every run starts empty.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensure, starting } from "./parts.ts";
import { freePort, runOk, startDaemon, waitFor } from "./proc.ts";
import { subdir, track } from "./state.ts";
import { noteRegistry } from "./containers.ts";

export interface RegistryOptions {
  auth?: "none" | "htpasswd";
  tls?: boolean;
}

export interface RegistryPart {
  /** "127.0.0.1:PORT": the prefix of image references. */
  host: string;
  /** "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT". */
  url: string;
  auth: "none" | "htpasswd";
  tls: boolean;
  username?: string;
  password?: string;
  /** PEM of the run's CA (TLS only). */
  caFile?: string;
  /** A dir holding only ca.crt: `skopeo --cert-dir` / `buildah --cert-dir` (TLS only). */
  certDir?: string;
  /** DOCKER_CONFIG dir whose config.json holds this registry's credentials (or none). */
  dockerConfigDir: string;
  /** That config.json: also a valid `--authfile` for skopeo/buildah. */
  authFile: string;
  log: string;
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<RegistryPart> {
  ensure("registry");
  const auth = opts.auth ?? "none";
  const tls = opts.tls ?? false;
  const dir = subdir(`registry-${auth}-${tls ? "tls" : "plain"}`);
  const log = join(dir, "registry.log");
  return starting(`registry(${auth}${tls ? ",tls" : ""})`, [log], async () => {
    const part: RegistryPart = { host: "", url: "", auth, tls, dockerConfigDir: join(dir, "docker-config"), authFile: "", log };
    part.authFile = join(part.dockerConfigDir, "config.json");
    const config: Record<string, unknown> = {
      version: 0.1,
      log: { level: "info", fields: { service: "registry" } },
      storage: { filesystem: { rootdirectory: join(dir, "data") }, delete: { enabled: true } },
    };
    // a fixed secret silences the "generated random secret" warning; single instance only
    const http: Record<string, unknown> = { secret: crypto.randomUUID() };
    if (auth === "htpasswd") {
      part.username = "harmony";
      part.password = crypto.randomUUID().replaceAll("-", "");
      const file = join(dir, "htpasswd");
      // -i: the password goes through stdin, not the process table
      await runOk(["htpasswd", "-B", "-i", "-c", file, part.username], { stdin: part.password });
      config.auth = { htpasswd: { realm: "harmony-world", path: file } };
    }
    if (tls) {
      const ca = await runCA();
      const leaf = await leafCert(dir, ca);
      http.tls = { certificate: leaf.cert, key: leaf.key };
      part.caFile = ca.cert;
      part.certDir = ca.certDir;
    }
    // A free port can be taken by a concurrent run before we bind it: then try another.
    for (let attempt = 1; ; attempt++) {
      part.host = `127.0.0.1:${freePort()}`;
      part.url = `${tls ? "https" : "http"}://${part.host}`;
      const configFile = join(dir, "config.yml");
      writeFileSync(configFile, JSON.stringify({ ...config, http: { ...http, addr: part.host } }, null, 2)); // JSON is YAML
      const from = existsSync(log) ? readFileSync(log, "utf8").length : 0;
      const daemon = track(startDaemon("docker-registry", ["docker-registry", "serve", configFile], log));
      const logged = (text: string) => readFileSync(log, "utf8").slice(from).includes(text);
      try {
        // "listening on" is logged only once OUR listener is bound (another server on the
        // port would answer HTTP too); then any answer (401 included) means it serves.
        await waitFor(`registry on ${part.url}`, async () => {
          if (!logged(`listening on ${part.host}`)) return false;
          await fetch(`${part.url}/v2/`, { tls: { rejectUnauthorized: false } });
          return true;
        }, 30_000, daemon);
        break;
      } catch (e) {
        if (attempt >= 3 || !logged("address already in use")) throw e;
      }
    }
    writeDockerConfig(part);
    if (!tls) noteRegistry(part.host);
    return part;
  });
}

function writeDockerConfig(part: RegistryPart): void {
  mkdirSync(part.dockerConfigDir, { recursive: true });
  const auths: Record<string, { auth: string }> = {};
  if (part.username && part.password) {
    auths[part.host] = { auth: Buffer.from(`${part.username}:${part.password}`).toString("base64") };
  }
  writeFileSync(part.authFile, JSON.stringify({ auths }, null, 2) + "\n", { mode: 0o600 });
}

interface CA {
  cert: string;
  key: string;
  certDir: string;
}
let caPromise: Promise<CA> | undefined;

/** One CA per run, shared by every TLS flavour. */
function runCA(): Promise<CA> {
  caPromise ??= (async () => {
    const dir = subdir("ca");
    const cert = join(dir, "ca.crt");
    const key = join(dir, "ca.key");
    await runOk(["openssl", "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
      "-out", cert, "-subj", "/CN=harmony-world test CA", "-days", "2"]);
    const certDir = subdir("ca", "cert-dir");
    await Bun.write(join(certDir, "ca.crt"), Bun.file(cert));
    return { cert, key, certDir };
  })();
  return caPromise;
}

async function leafCert(dir: string, ca: CA): Promise<{ cert: string; key: string }> {
  const key = join(dir, "tls.key");
  const csr = join(dir, "tls.csr");
  const cert = join(dir, "tls.crt");
  const ext = join(dir, "tls.ext");
  if (existsSync(cert)) return { cert, key };
  await runOk(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
    "-subj", "/CN=localhost"]);
  writeFileSync(ext, [
    "basicConstraints=CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ].join("\n") + "\n");
  await runOk(["openssl", "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
    "-days", "2", "-sha256", "-extfile", ext, "-out", cert]);
  return { cert, key };
}
