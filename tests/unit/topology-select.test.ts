import { describe, expect, test } from "bun:test";
import { HarmonyError } from "../../capabilities/index.ts";
import { effectiveConfig } from "../../topologies/defaults.ts";
import { selectTopology } from "../../topologies/select.ts";

describe("selectTopology", () => {
  test("the flag wins over the env and detection", () => {
    expect(selectTopology("production", { HARMONY_TOPOLOGY: "local", CI: "true" })).toEqual({ name: "production", reason: "--topology" });
  });
  test("then HARMONY_TOPOLOGY", () => {
    expect(selectTopology(undefined, { HARMONY_TOPOLOGY: "production", GITHUB_ACTIONS: "true" })).toEqual({ name: "production", reason: "HARMONY_TOPOLOGY" });
  });
  test.each(["GITHUB_ACTIONS", "GITEA_ACTIONS", "GITLAB_CI", "CI"])("%s means ci", (marker) => {
    expect(selectTopology(undefined, { [marker]: "true" })).toEqual({ name: "ci", reason: `detected ${marker}` });
  });
  test("CI=false is not CI; nothing detected means local", () => {
    expect(selectTopology(undefined, { CI: "false" }).name).toBe("local");
    expect(selectTopology(undefined, {})).toEqual({ name: "local", reason: "default (no CI detected)" });
  });
  test("an unknown name is a usage error naming the choices", () => {
    expect(() => selectTopology("staging", {})).toThrow(HarmonyError);
    expect(() => selectTopology(undefined, { HARMONY_TOPOLOGY: "prod" })).toThrow("from HARMONY_TOPOLOGY");
  });
});

describe("effectiveConfig", () => {
  test("local needs no infrastructure by default", () => {
    expect(effectiveConfig("local", undefined)).toMatchObject({
      containerBuilder: { adapter: "daemonless" },
      ociRegistry: { adapter: "oci-layout" },
      helmRegistry: { adapter: "directory" },
      continuousDelivery: { adapter: "gitops" },
    });
  });
  test("declared capabilities replace the defaults one by one", () => {
    const config = effectiveConfig("ci", { ociRegistry: { adapter: "registry", url: "127.0.0.1:5000/team" } });
    expect(config.containerBuilder).toEqual({ adapter: "docker" });
    expect(config.ociRegistry).toEqual({ adapter: "registry", url: "127.0.0.1:5000/team" });
    expect(config.helmRegistry).toBeUndefined();
  });
});
