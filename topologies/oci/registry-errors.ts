/**
 * Registry error responses turned into HarmonyErrors that say what was being done and what the
 * registry answered (`{"errors":[{"code":"NAME_UNKNOWN","message":…}]}` in the distribution spec).
 */
import { HarmonyError } from "../../capabilities/index.ts";

interface SpecError {
  code?: string;
  message?: string;
}

export async function describeResponse(response: Response): Promise<string> {
  const text = response.bodyUsed ? "" : await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { errors?: SpecError[] };
    const errors = parsed.errors ?? [];
    if (errors.length > 0) return errors.map((e) => [e.code, e.message].filter(Boolean).join(" ")).join("; ");
  } catch {
    // not JSON: fall through to the raw text
  }
  const line = text.trim().split("\n")[0]?.slice(0, 200) ?? "";
  return line || response.statusText;
}

export async function registryFailure(host: string, what: string, response: Response): Promise<HarmonyError> {
  const said = await describeResponse(response);
  const hint =
    response.status === 403
      ? "the account lacks the right for this (push needs write access to the repository or project)"
      : response.status === 404
        ? "check the repository path (and, for Harbor, that the project exists)"
        : undefined;
  return new HarmonyError("failed", `registry ${host}: ${what} failed: ${response.status} ${said}`.trimEnd(), hint ? { hint } : {});
}
