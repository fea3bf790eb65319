// A distribution registry (the real one, Debian docker-registry) configured for bearer-token
// auth, and the token service it trusts: a small issuer of the JWTs the registry verifies
// (RS256, x5c chain to a certificate made for the run). The registry is what every cloud
// registry and Harbor look like to a client: 401 with `WWW-Authenticate: Bearer realm=…`.
// The issuer records each request, so tests can prove tokens are cached per scope.
import { createSign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runOk } from "../../world/index.ts";
import { freePort, startDaemon, waitFor } from "../../world/proc.ts";
import { onTeardown, subdir, track } from "../../world/state.ts";

export interface TokenRequest {
  readonly user: string;
  readonly scopes: string[];
  readonly granted: string[];
}

/** Which actions `user` gets on `repository`, given every scope asked for in the same request. */
export type Policy = (user: string, repository: string, actions: string[], allScopes: string[]) => string[];

export interface TokenRegistry {
  host: string;
  url: string;
  users: Record<string, string>;
  /** An OAuth2 refresh token for user "harmony" (what a docker config's `identitytoken` holds). */
  refreshToken: string;
  requests: TokenRequest[];
  log: string;
}

const SERVICE = "harmony-token-registry";
const ISSUER = "harmony-test-issuer";
const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export async function startTokenRegistry(policy: Policy): Promise<TokenRegistry> {
  const dir = subdir(`token-registry-${crypto.randomUUID().slice(0, 8)}`);
  const key = join(dir, "token.key");
  const cert = join(dir, "token.crt");
  await runOk(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=harmony token issuer", "-days", "2"]);
  const keyPem = readFileSync(key, "utf8");
  const certDer = Buffer.from(readFileSync(cert, "utf8").replace(/-----[^-]+-----|\s/g, ""), "base64").toString("base64");
  const users = { harmony: crypto.randomUUID().replaceAll("-", "") };
  const refreshToken = crypto.randomUUID();
  const requests: TokenRequest[] = [];

  const sign = (claims: object) => {
    const input = `${b64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [certDer] }))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${createSign("RSA-SHA256").update(input).sign(keyPem).toString("base64url")}`;
  };

  const issuer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      let user: string | undefined;
      let params = url.searchParams;
      if (request.method === "POST") {
        // the OAuth2 refresh-token grant (docker's identity tokens)
        params = new URLSearchParams(await request.text());
        if (params.get("grant_type") !== "refresh_token" || params.get("refresh_token") !== refreshToken) return new Response("bad grant", { status: 401 });
        user = "harmony";
      } else {
        const basic = request.headers.get("authorization")?.replace(/^Basic /, "");
        const [name, password] = basic ? Buffer.from(basic, "base64").toString().split(/:(.*)/s) : [];
        if (name !== undefined && users[name as keyof typeof users] !== password) return new Response("bad credentials", { status: 401 });
        user = name;
      }
      const scopes = params.getAll("scope");
      const access = scopes.flatMap((scope) => {
        const [type, repository, actions] = scope.split(":");
        if (type !== "repository" || !repository || !actions || user === undefined) return [];
        const granted = policy(user, repository, actions.split(","), scopes);
        return granted.length ? [{ type, name: repository, actions: granted }] : [];
      });
      requests.push({ user: user ?? "(anonymous)", scopes, granted: access.map((a) => `${a.name}:${a.actions.join(",")}`) });
      const now = Math.floor(Date.now() / 1000);
      const token = sign({ iss: ISSUER, sub: user ?? "", aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access });
      return Response.json({ token, access_token: token, expires_in: 300 });
    },
  });
  onTeardown("token issuer", () => issuer.stop(true));

  const host = `127.0.0.1:${freePort()}`;
  const log = join(dir, "registry.log");
  const config = {
    version: 0.1,
    log: { level: "info" },
    storage: { filesystem: { rootdirectory: join(dir, "data") }, delete: { enabled: true } },
    http: { addr: host, secret: crypto.randomUUID() },
    auth: { token: { realm: `http://127.0.0.1:${issuer.port}/token`, service: SERVICE, issuer: ISSUER, rootcertbundle: cert } },
  };
  const configFile = join(dir, "config.yml");
  writeFileSync(configFile, JSON.stringify(config));
  const daemon = track(startDaemon("docker-registry", ["docker-registry", "serve", configFile], log));
  await waitFor(`token registry on ${host}`, async () => (await fetch(`http://${host}/v2/`)).status === 401, 30_000, daemon);
  return { host, url: `http://${host}`, users, refreshToken, requests, log };
}
