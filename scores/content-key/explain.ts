/**
 * Why a build happens: the difference between the key recorded by the previous build and the one
 * computed now, as short sentences a user can act on ("Dockerfile changed", "src/app.ts changed",
 * "12 files changed under src/ (src/a.ts, src/b.ts, …)").
 */
import type { ContentKey, KeyInputs } from "./key.ts";

/** At most this many paths are named in one grouped reason. */
const NAMED = 3;

export function explainChange(previous: ContentKey | undefined, current: ContentKey): string[] {
  if (previous === undefined) return ["no previous build recorded for this image"];
  if (previous.key === current.key) return [];
  const reasons = [...inputChanges(previous.inputs, current.inputs), ...fileChanges(previous.files, current.files)];
  // the key moved but nothing we can name did: e.g. a record written by another harmony version
  return reasons.length > 0 ? reasons : ["the content key changed (its recorded inputs are not comparable)"];
}

function inputChanges(a: KeyInputs, b: KeyInputs): string[] {
  const out: string[] = [];
  if (a.builder !== b.builder) out.push(`builder changed (${a.builder} → ${b.builder})`);
  if (a.kind !== b.kind) out.push(`image source changed (${a.kind} → ${b.kind})`);
  if (a.dockerfile !== b.dockerfile) out.push("Dockerfile changed");
  out.push(...recordChanges("build arg", a.buildArgs, b.buildArgs));
  if (a.target !== b.target) out.push(`target changed (${a.target ?? "last stage"} → ${b.target ?? "last stage"})`);
  if (a.platforms.join(",") !== b.platforms.join(",")) out.push(`platforms changed (${show(a.platforms)} → ${show(b.platforms)})`);
  out.push(...recordChanges("label", a.labels, b.labels));
  if (a.base !== b.base) out.push(`base image changed (${a.base ?? "none"} → ${b.base ?? "none"})`);
  if (a.config !== b.config) out.push("image config changed (entrypoint, cmd, env, workdir, user or ports)");
  return out;
}

function show(platforms: readonly string[]): string {
  return platforms.length > 0 ? platforms.join(", ") : "native";
}

function recordChanges(what: string, a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (!(name in a)) out.push(`${what} ${name} added`);
    else if (!(name in b)) out.push(`${what} ${name} removed`);
    else if (a[name] !== b[name]) out.push(`${what} ${name} changed`);
  }
  return out;
}

type Change = "changed" | "added" | "removed";

function fileChanges(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string[] {
  const changes: [string, Change][] = [];
  for (const path of Object.keys(b)) {
    if (!(path in a)) changes.push([path, "added"]);
    else if (a[path] !== b[path]) changes.push([path, "changed"]);
  }
  for (const path of Object.keys(a)) if (!(path in b)) changes.push([path, "removed"]);
  // directories only matter when nothing inside them explains the change (an emptied or re-moded dir)
  const fileLevel = changes.filter(([p]) => !p.endsWith("/"));
  const relevant = fileLevel.length > 0 ? fileLevel : changes;
  return groupByTopDirectory(relevant);
}

function groupByTopDirectory(changes: [string, Change][]): string[] {
  const groups = new Map<string, [string, Change][]>();
  for (const change of changes) {
    const top = topDirectory(change[0]);
    groups.set(top, [...(groups.get(top) ?? []), change]);
  }
  const out: string[] = [];
  for (const [top, members] of [...groups].sort(([x], [y]) => (x < y ? -1 : 1))) {
    members.sort(([x], [y]) => (x < y ? -1 : 1));
    if (members.length === 1 || top === "") {
      for (const [path, how] of members) out.push(`${path} ${how}`);
      continue;
    }
    const hows = new Set(members.map(([, how]) => how));
    const verb = hows.size === 1 ? [...hows][0]! : "changed";
    const named = members.slice(0, NAMED).map(([p]) => p).join(", ");
    const more = members.length > NAMED ? ", …" : "";
    out.push(`${members.length} files ${verb} under ${top} (${named}${more})`);
  }
  return out;
}

/** `src/a/b.ts` → `src/`; `/app/bin/x` → `/app/bin/`; a top-level file → "" (named on its own). */
function topDirectory(path: string): string {
  const absolute = path.startsWith("/");
  const parts = (absolute ? path.slice(1) : path).replace(/\/$/, "").split("/");
  if (parts.length === 1) return "";
  // image paths (files-on-base layers) group one level deeper: everything is under /app
  const depth = absolute && parts.length > 2 ? 2 : 1;
  return `${absolute ? "/" : ""}${parts.slice(0, depth).join("/")}/`;
}
