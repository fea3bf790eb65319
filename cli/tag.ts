/**
 * Release tags: `<name>-v<semver>`. The name is a registered app name (it may contain hyphens); the
 * longest registered name that matches wins. Versions are strict SemVer 2.0.0.
 */
import { parse as parseSemver } from "semver";
import { HarmonyError } from "../capabilities/index.ts";
import { closest } from "./suggest.ts";

export interface ReleaseTag {
  /** The tag as given, without any `refs/tags/` prefix. */
  readonly tag: string;
  readonly app: string;
  /** SemVer 2.0.0, build metadata included. */
  readonly version: string;
}

/** True for a strict SemVer 2.0.0 string: no `v`, no `=`, no whitespace, no leading zeros. */
export function isStrictSemver(input: string): boolean {
  if (!/^[0-9]/.test(input) || /\s/.test(input)) return false;
  const parsed = parseSemver(input);
  if (parsed === null) return false;
  const build = parsed.build.length > 0 ? `+${parsed.build.join(".")}` : "";
  return `${parsed.version}${build}` === input;
}

/** The app names that both answer to some tag (`a` and `b` where `b` = `a-v<semver prefix>…`). */
export function ambiguousNames(names: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const shorter of names) {
    for (const longer of names) {
      if (longer === shorter || !longer.startsWith(`${shorter}-v`)) continue;
      // The tag `<longer>-v0.0.0` reads, for `shorter`, as version `<rest>-v0.0.0`.
      const rest = longer.slice(shorter.length + 2);
      if (isStrictSemver(`${rest}-v0.0.0`)) pairs.push([shorter, longer]);
    }
  }
  return pairs;
}

export function parseReleaseTag(input: string, names: readonly string[]): ReleaseTag {
  const tag = input.startsWith("refs/tags/") ? input.slice("refs/tags/".length) : input;
  const known = names.length > 0 ? names.join(", ") : "(none declared)";
  const byLength = [...names].sort((a, b) => b.length - a.length);
  for (const name of byLength) {
    if (!tag.startsWith(`${name}-v`)) continue;
    const version = tag.slice(name.length + 2);
    if (isStrictSemver(version)) return { tag, app: name, version };
    throw new HarmonyError("usage", `tag "${tag}": "${version}" is not a SemVer 2.0.0 version`, {
      hint: `expected ${name}-v<major>.<minor>.<patch>[-prerelease][+build], e.g. ${name}-v1.4.0`,
    });
  }
  const match = /^(.*)-v([0-9].*)$/.exec(tag);
  if (match === null) {
    throw new HarmonyError("usage", `tag "${tag}" is not of the form <name>-v<semver>`, {
      hint: `known names: ${known}; e.g. ${names[0] ?? "my-app"}-v1.0.0`,
    });
  }
  const suggestion = closest(match[1] ?? "", names);
  throw new HarmonyError("usage", `tag "${tag}" names no known app "${match[1]}"`, {
    hint: `${suggestion === undefined ? "" : `did you mean ${suggestion}? `}known names: ${known}`,
  });
}

/** The tag a CI system is building, from its environment; undefined when it is not a tag build. */
export function tagFromCiEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.GITHUB_REF_TYPE === "tag" && env.GITHUB_REF_NAME) return env.GITHUB_REF_NAME;
  if (env.GITHUB_REF?.startsWith("refs/tags/")) return env.GITHUB_REF.slice("refs/tags/".length);
  if (env.CI_COMMIT_TAG) return env.CI_COMMIT_TAG;
  return undefined;
}
