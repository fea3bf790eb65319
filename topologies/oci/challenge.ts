/** `WWW-Authenticate` challenges (RFC 7235) as distribution registries send them. */

export interface Challenge {
  /** Lower-case scheme: `basic` or `bearer` (others are reported as unsupported). */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses `Bearer realm="https://auth/token",service="registry",scope="repository:a:pull,push"`.
 * Quoted values may contain commas and backslash escapes, so this is a small scanner, not a split.
 */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  const params: Record<string, string> = {};
  let i = 0;
  while (i < rest.length) {
    const name = /^[\s,]*([A-Za-z0-9_-]+)\s*=\s*/.exec(rest.slice(i));
    if (!name) break;
    i += name[0].length;
    let value = "";
    if (rest[i] === '"') {
      i++;
      while (i < rest.length && rest[i] !== '"') {
        if (rest[i] === "\\" && i + 1 < rest.length) i++;
        value += rest[i];
        i++;
      }
      i++; // closing quote
    } else {
      const token = /^[^\s,]*/.exec(rest.slice(i))![0];
      value = token;
      i += token.length;
    }
    params[name[1]!.toLowerCase()] = value;
  }
  return { scheme, params };
}

/** The scope a registry names for a repository: `repository:team/app:pull,push`. */
export function repositoryScope(repository: string, actions: "pull" | "pull,push"): string {
  return `repository:${repository}:${actions}`;
}
