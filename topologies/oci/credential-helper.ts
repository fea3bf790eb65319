/**
 * docker-credential-<name> helpers (the docker-credential-helpers protocol): `get` reads the
 * server URL on stdin and prints {ServerURL, Username, Secret} as JSON. The secret travels only
 * through the helper's stdout, never through arguments or our output.
 */
import { HarmonyError } from "../../capabilities/index.ts";
import type { Credential } from "./credentials.ts";

const NOT_FOUND = /credentials not found|not found in (native )?keychain|no credentials/i;

export async function credentialFromHelper(
  helper: string,
  serverUrl: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Credential | undefined> {
  const name = `docker-credential-${helper}`;
  const executable = Bun.which(name, { PATH: env.PATH ?? "" });
  if (!executable) {
    throw new HarmonyError("config", `credential helper ${name} (for ${serverUrl}) is not on PATH`, {
      hint: "install it, or remove it from credHelpers/credsStore in the docker config",
    });
  }
  const child = Bun.spawn([executable, "get"], {
    env: env as Record<string, string>,
    stdin: new TextEncoder().encode(serverUrl),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) {
    // Helpers say "not found" on stdout or stderr; that only means "no credentials for this host".
    if (NOT_FOUND.test(stdout) || NOT_FOUND.test(stderr)) return undefined;
    const said = (stderr.trim() || stdout.trim()).split("\n")[0]?.slice(0, 200) ?? "";
    throw new HarmonyError("config", `credential helper ${name} failed for ${serverUrl} (exit ${code})${said ? `: ${said}` : ""}`);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    throw new HarmonyError("config", `credential helper ${name} printed something that is not JSON for ${serverUrl}`);
  }
  const username = typeof answer.Username === "string" ? answer.Username : "";
  const secret = typeof answer.Secret === "string" ? answer.Secret : "";
  if (secret === "") return undefined;
  const source = `credential helper ${name}`;
  // "<token>" is the helpers' convention for an OAuth2 refresh (identity) token.
  return username === "<token>" ? { identityToken: secret, source } : { username, password: secret, source };
}
