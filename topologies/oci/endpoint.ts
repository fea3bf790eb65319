/**
 * Where a registry is and how far to trust it. TLS is verified by default; plain HTTP is allowed
 * only for loopback hosts (as docker does) or an explicit `insecure: true`, which alone also skips
 * certificate verification. A custom CA is added to the system roots for that registry only.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { rootCertificates } from "node:tls";
import { HarmonyError } from "../../capabilities/index.ts";

export interface EndpointSettings {
  /** `host[:port][/base/path]`, optionally with `https://`, `http://` or `oci://` in front. */
  readonly url: string;
  readonly insecure?: boolean;
  readonly caFile?: string;
}

export interface Endpoint {
  /** `host[:port]`: the first part of image references and the key for credentials. */
  readonly host: string;
  /** Repository prefix inside the registry (`team`, `project`), or "" for none. */
  readonly basePath: string;
  /** `auto`: HTTPS, falling back to plain HTTP when the server does not speak TLS. */
  readonly scheme: "https" | "http" | "auto";
  readonly tls: { readonly ca?: string[]; readonly rejectUnauthorized: boolean };
  /** For messages: the CA file in use, if any. */
  readonly caFile?: string;
}

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?$/;

export function isLoopback(host: string): boolean {
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.split(":")[0]!;
  return name === "localhost" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name);
}

export function parseEndpoint(settings: EndpointSettings, projectDir: string): Endpoint {
  const match = /^(?:(https?|oci):\/\/)?([^/]+)((?:\/[^/]+)*)\/*$/.exec(settings.url.trim());
  if (!match) {
    throw new HarmonyError("config", `registry url "${settings.url}" is not host[:port][/path]`, {
      hint: "e.g. url: registry.example.com/team or url: 127.0.0.1:5000",
    });
  }
  const [, given, host, path] = match as unknown as [string, string | undefined, string, string];
  // Only a name or address and a port: `127.0.0.1:5000@evil.example` would pass as loopback (and
  // so for plain HTTP) while fetch sends the request to evil.example.
  if (!HOST.test(host)) {
    throw new HarmonyError("config", `registry url "${settings.url}": "${host}" is not a host name or address with an optional port`, {
      hint: "e.g. url: registry.example.com/team or url: 127.0.0.1:5000 (credentials go in username and passwordEnv, never in the url)",
    });
  }
  const insecure = settings.insecure === true;
  const plainAllowed = insecure || isLoopback(host);
  if (given === "http" && !plainAllowed) {
    throw new HarmonyError("config", `registry ${host}: plain HTTP is refused for a non-loopback host`, {
      hint: "use https, or set insecure: true for this registry if you accept unencrypted traffic",
    });
  }
  const scheme = given === "http" ? "http" : plainAllowed ? "auto" : "https";
  let ca: string[] | undefined;
  let caFile: string | undefined;
  if (settings.caFile !== undefined) {
    caFile = isAbsolute(settings.caFile) ? settings.caFile : resolve(projectDir, settings.caFile);
    try {
      ca = [...rootCertificates, readFileSync(caFile, "utf8")];
    } catch (cause) {
      throw new HarmonyError("config", `registry ${host}: cannot read caFile ${caFile}`, { cause, hint: "point caFile at a PEM file with the registry's CA certificate" });
    }
  }
  return {
    host,
    basePath: path.replace(/^\/+/, ""),
    scheme,
    tls: { ...(ca ? { ca } : {}), rejectUnauthorized: !insecure },
    ...(caFile ? { caFile } : {}),
  };
}

/** `base/path/name`, or `name` when the endpoint has no base path. */
export function repositoryPath(endpoint: Endpoint, name: string): string {
  return endpoint.basePath ? `${endpoint.basePath}/${name}` : name;
}

const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|HOSTNAME|ERR_TLS/i;

/** A TLS failure caused by trust (unknown CA, wrong name, expired), as opposed to a protocol mismatch. */
export function isCertificateError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && CERT_ERRORS.test(code);
}

/** The server answered a TLS handshake in plain text: it speaks HTTP on that port. */
export function isTlsProtocolError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "EPROTO" || code === "ERR_SSL_WRONG_VERSION_NUMBER";
}
