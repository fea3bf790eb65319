import { describe, expect, test } from "bun:test";
import { harborProject, type HarborFetch } from "../../../topologies/oci/harbor-project.ts";

/** Harbor's API as values: which URLs answer what. Harbor itself is not part of the test world. */
function api(routes: Record<string, number>, json = true): HarborFetch & { seen: string[] } {
  const seen: string[] = [];
  const send = async (url: string, init: RequestInit) => {
    seen.push(`${init.method} ${url} ${(init.headers as Record<string, string>).authorization ? "auth" : "anon"}`);
    const path = new URL(url).pathname + new URL(url).search;
    const status = routes[path] ?? 404;
    return new Response(status === 200 ? "{}" : null, { status, headers: json ? { "content-type": "application/json" } : { "content-type": "text/plain" } });
  };
  return Object.assign(send, { seen });
}

describe("harbor project check", () => {
  test("an existing project", async () => {
    const send = api({ "/api/v2.0/systeminfo": 200, "/api/v2.0/projects?project_name=team": 200 });
    expect(await harborProject("https://h", "team", { username: "robot$team+ci", password: "x", source: "t" }, send)).toBe("exists");
    expect(send.seen).toEqual(["GET https://h/api/v2.0/systeminfo auth", "HEAD https://h/api/v2.0/projects?project_name=team auth"]);
  });

  test("a missing project is reported only when Harbor's API is really there", async () => {
    expect(await harborProject("https://h", "nope", undefined, api({ "/api/v2.0/systeminfo": 200 }))).toBe("missing");
    // a plain distribution registry answers 404 to everything under /api: that proves nothing
    expect(await harborProject("https://h", "nope", undefined, api({}))).toBe("unknown");
    expect(await harborProject("https://h", "nope", undefined, api({ "/api/v2.0/systeminfo": 200 }, false))).toBe("unknown");
  });

  test("no rights to ask, or no answer, is unknown", async () => {
    expect(await harborProject("https://h", "t", undefined, api({ "/api/v2.0/systeminfo": 200, "/api/v2.0/projects?project_name=t": 401 }))).toBe("unknown");
    expect(await harborProject("https://h", "t", undefined, async () => { throw new Error("ECONNREFUSED"); })).toBe("unknown");
  });
});
