/** The `http` smoke check: GET a URL until it answers as expected or the timeout passes. */
import type { WorkContext } from "../../capabilities/index.ts";
import type { HttpSmokeCheck } from "../../scores/app-spec.ts";
import type { CheckResult, SmokeContext } from "../../scores/smoke.ts";

export function renderUrl(template: string, context: SmokeContext): string {
  const vars: Record<string, string> = {
    baseUrl: (context.target.baseUrl ?? "").replace(/\/+$/, ""),
    namespace: context.target.namespace,
    version: context.version,
    app: context.app,
  };
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => vars[name] ?? whole);
}

function jsonField(body: string, field: string): unknown {
  let value: unknown = JSON.parse(body);
  for (const key of field.split(".")) value = (value as Record<string, unknown> | null)?.[key];
  return value;
}

/** Why a response does not satisfy the check, or undefined when it does. */
export function mismatch(check: HttpSmokeCheck, status: number, body: string): string | undefined {
  if (status !== check.status) return `status ${status}, expected ${check.status}`;
  if (check.bodyMatches !== undefined && !new RegExp(check.bodyMatches).test(body)) return `body does not match /${check.bodyMatches}/`;
  if (check.json !== undefined) {
    let actual: unknown;
    try {
      actual = jsonField(body, check.json.field);
    } catch {
      return "body is not JSON";
    }
    if (String(actual) !== check.json.equals) return `${check.json.field} is ${JSON.stringify(actual)}, expected ${check.json.equals}`;
  }
  return undefined;
}

export async function runHttpCheck(check: HttpSmokeCheck, context: SmokeContext, work: WorkContext): Promise<CheckResult> {
  const url = renderUrl(check.url, context);
  if (/\{\{/.test(url) || !/^https?:\/\//.test(url)) {
    return { check: "http", status: "failed", evidence: `cannot check "${url}": the target has no baseUrl or the URL is not http(s)` };
  }
  const deadline = Date.now() + check.timeoutSeconds * 1000;
  let last = "no answer yet";
  let attempts = 0;
  while (!work.signal.aborted) {
    attempts++;
    try {
      const response = await fetch(url, { signal: AbortSignal.any([work.signal, AbortSignal.timeout(5000)]), redirect: "manual" });
      const body = (await response.text()).slice(0, 64 * 1024);
      const why = mismatch(check, response.status, body);
      if (why === undefined) return { check: "http", status: "passed", evidence: `GET ${url} → ${response.status} (attempt ${attempts})` };
      last = why;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() + 1000 > deadline) break;
    await Bun.sleep(1000);
  }
  return { check: "http", status: "failed", evidence: `GET ${url}: ${last} after ${attempts} attempts in ${check.timeoutSeconds}s` };
}
