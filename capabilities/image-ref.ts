/**
 * One parse and one format for container image references:
 * `[registry[:port]/]repository[:tag][@digest]`, following the grammar of
 * distribution/reference (the one docker, podman and helm agree on).
 */
import { HarmonyError } from "./errors.ts";

export interface ImageRef {
  /** Registry host with optional port, e.g. `docker.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Path inside the registry, e.g. `library/busybox`, `team/fleet-operator`. */
  readonly repository: string;
  readonly tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  readonly digest?: string;
}

export const DOCKER_HUB = "docker.io";
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const MAX_NAME_LENGTH = 255;

function invalid(input: string, why: string): HarmonyError {
  return new HarmonyError("config", `invalid image reference "${input}": ${why}`, {
    hint: "expected [registry[:port]/]repository[:tag][@digest], e.g. 127.0.0.1:5000/team/app:1.0.0",
  });
}

function isDomain(candidate: string): boolean {
  // Same rule as docker: the first component is a registry when it looks like a host.
  return candidate.includes(".") || candidate.includes(":") || candidate === "localhost" || candidate.startsWith("[");
}

function validDomain(domain: string): boolean {
  const ipv6 = /^\[[0-9a-fA-F:]+\](?::[0-9]{1,5})?$/;
  if (ipv6.test(domain)) return true;
  const [host, port, ...rest] = domain.split(":");
  if (rest.length > 0 || host === undefined || host === "") return false;
  if (port !== undefined && !/^[0-9]{1,5}$/.test(port)) return false;
  return host.split(".").every((part) => DOMAIN_COMPONENT.test(part));
}

export function parseImageRef(input: string): ImageRef {
  if (input.length === 0) throw invalid(input, "empty");
  if (/\s/.test(input)) throw invalid(input, "contains whitespace");
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(input, `malformed digest "${digest}"`);
    if (digest.startsWith("sha256:") && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
      throw invalid(input, "a sha256 digest has 64 lowercase hex characters");
    }
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) {
      const why = tag.includes("+") ? `tag "${tag}" contains "+" (use "_" for build metadata)` : `malformed tag "${tag}"`;
      throw invalid(input, why);
    }
  }
  if (rest.length > MAX_NAME_LENGTH) throw invalid(input, `name longer than ${MAX_NAME_LENGTH} characters`);
  const slash = rest.indexOf("/");
  let registry = DOCKER_HUB;
  let repository = rest;
  if (slash >= 0 && isDomain(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    if (!validDomain(registry)) throw invalid(input, `malformed registry "${registry}"`);
  }
  if (repository === "") throw invalid(input, "missing repository");
  for (const component of repository.split("/")) {
    if (!PATH_COMPONENT.test(component)) {
      const why = /[A-Z]/.test(component) ? "repository must be lowercase" : `malformed path component "${component}"`;
      throw invalid(input, why);
    }
  }
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (registry === "index.docker.io") registry = DOCKER_HUB;
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The canonical, fully qualified form (`docker.io/library/busybox:1`). */
export function formatImageRef(ref: ImageRef): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** The reference without tag or digest (`127.0.0.1:5000/team/app`). */
export function imageName(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** OCI tags cannot hold `+`: a build-metadata version is tagged with `_`, as helm does. */
export function tagForVersion(version: string): string {
  return version.replaceAll("+", "_");
}

export function withTag(ref: ImageRef, tag: string): ImageRef {
  if (!TAG.test(tag)) throw invalid(`${imageName(ref)}:${tag}`, `malformed tag "${tag}"`);
  return { registry: ref.registry, repository: ref.repository, tag };
}

export function withDigest(ref: ImageRef, digest: string): ImageRef {
  return { ...ref, digest };
}
