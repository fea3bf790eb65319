import { describe, expect, test } from "bun:test";
import { parseChallenge, repositoryScope } from "../../../topologies/oci/challenge.ts";

describe("WWW-Authenticate challenges", () => {
  test("a bearer challenge with quoted parameters, commas inside quotes included", () => {
    const c = parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push"');
    expect(c).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example.com/token", service: "registry.example.com", scope: "repository:team/app:pull,push" },
    });
  });

  test("a basic challenge, an unquoted value and an escaped quote", () => {
    expect(parseChallenge('Basic realm="harmony-world"')).toEqual({ scheme: "basic", params: { realm: "harmony-world" } });
    expect(parseChallenge('Bearer realm=https://a/token, error="insufficient \\"scope\\""')?.params).toEqual({ realm: "https://a/token", error: 'insufficient "scope"' });
  });

  test("nothing parseable gives undefined", () => {
    expect(parseChallenge("")).toBeUndefined();
  });

  test("repository scopes", () => {
    expect(repositoryScope("team/app", "pull,push")).toBe("repository:team/app:pull,push");
  });
});
