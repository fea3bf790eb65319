import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarmonyError } from "../../../capabilities/index.ts";
import { explicitCredential, storedCredential } from "../../../topologies/oci/credentials.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function home(config: unknown): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "creds-"));
  mkdirSync(join(dir, ".docker"));
  writeFileSync(join(dir, ".docker", "config.json"), JSON.stringify(config));
  return { dir, env: { HOME: dir, PATH: `${join(dir, "bin")}:${process.env.PATH}` } };
}

/** A docker-credential-<name> that answers for one server with a fixed secret and logs what it was asked. */
function helper(dir: string, name: string, server: string, username: string, secret: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const log = join(dir, `${name}.log`);
  writeFileSync(
    join(bin, `docker-credential-${name}`),
    `#!/bin/sh\nread server\necho "$1 $server" >> ${log}\nif [ "$server" = "${server}" ]; then printf '{"ServerURL":"%s","Username":"${username}","Secret":"${secret}"}' "$server"; else echo "credentials not found in native keychain"; exit 1; fi\n`,
  );
  chmodSync(join(bin, `docker-credential-${name}`), 0o755);
  return log;
}

describe("credentials", () => {
  test("explicit settings read the password from the named variable", () => {
    const c = explicitCredential("r.example.com", { username: "ci", passwordEnv: "REG_PW" }, { REG_PW: "s3cret" });
    expect(c).toMatchObject({ username: "ci", password: "s3cret" });
    expect(c!.source).not.toContain("s3cret");
    expect(explicitCredential("r.example.com", {}, {})).toBeUndefined();
  });

  test("a missing password variable is a configuration error that does not echo any secret", () => {
    const error = (() => {
      try {
        explicitCredential("r.example.com", { username: "ci", passwordEnv: "REG_PW" }, {});
      } catch (e) {
        return e;
      }
    })() as HarmonyError;
    expect(error).toBeInstanceOf(HarmonyError);
    expect(error.kind).toBe("config");
    expect(error.message).toContain("REG_PW");
    expect(() => explicitCredential("r", { username: "ci" }, {})).toThrow(/together/);
  });

  test("docker config auths, matched with or without scheme and path", async () => {
    const { env } = home({ auths: { "https://127.0.0.1:5000/v2/": { auth: b64("alice:pa:ss") } } });
    expect(await storedCredential("127.0.0.1:5000", env)).toMatchObject({ username: "alice", password: "pa:ss" });
    expect(await storedCredential("127.0.0.1:5001", env)).toBeUndefined();
  });

  test("DOCKER_CONFIG points at another directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dockercfg-"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "r.example.com": { username: "bob", password: "pw" } } }));
    expect(await storedCredential("r.example.com", { DOCKER_CONFIG: dir, HOME: "/nonexistent" })).toMatchObject({ username: "bob", password: "pw" });
  });

  test("REGISTRY_AUTH_FILE comes first", async () => {
    const { dir, env } = home({ auths: { "r.example.com": { auth: b64("docker:one") } } });
    const authFile = join(dir, "auth.json");
    writeFileSync(authFile, JSON.stringify({ auths: { "r.example.com": { auth: b64("podman:two") } } }));
    expect(await storedCredential("r.example.com", { ...env, REGISTRY_AUTH_FILE: authFile })).toMatchObject({ username: "podman", password: "two" });
  });

  test("credHelpers for that host, the server URL on stdin", async () => {
    const { dir, env } = home({ credHelpers: { "r.example.com": "unit" }, auths: { "r.example.com": { auth: b64("ignored:x") } } });
    const log = helper(dir, "unit", "r.example.com", "helped", "from-helper");
    expect(await storedCredential("r.example.com", env)).toMatchObject({ username: "helped", password: "from-helper", source: "credential helper docker-credential-unit" });
    expect(await Bun.file(log).text()).toBe("get r.example.com\n");
  });

  test("credsStore answers for every host; not found means anonymous", async () => {
    const { dir, env } = home({ credsStore: "store" });
    helper(dir, "store", "r.example.com", "<token>", "refresh-token");
    expect(await storedCredential("r.example.com", env)).toMatchObject({ identityToken: "refresh-token" });
    expect(await storedCredential("other.example.com", env)).toBeUndefined();
  });

  test("a helper that is not installed is a clear configuration error", async () => {
    const { env } = home({ credsStore: "absent" });
    const error = await storedCredential("r.example.com", env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarmonyError);
    expect((error as HarmonyError).message).toContain("docker-credential-absent");
  });
});
