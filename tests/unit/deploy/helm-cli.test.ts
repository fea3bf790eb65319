import { describe, expect, test } from "bun:test";
import type { ClusterTarget } from "../../../capabilities/index.ts";
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingReporter } from "../../../capabilities/index.ts";
import { chartArgs, chartSource, detectHelm, helmBinary, parseHelmVersion, registryArgs, rollbackArgs, upgradeArgs, type HelmCli } from "../../../topologies/adapters/continuous-delivery/helm-cli.ts";
import { chartAccess, registryHost } from "../../../topologies/adapters/continuous-delivery/scratch-files.ts";

const target: ClusterTarget = { kind: "cluster", name: "staging", kubeconfig: "/k/config", context: "ctx", namespace: "apps", releaseName: "web" };
const helm3: HelmCli = { bin: "helm", major: 3, version: "v3.17.3" };
const helm4: HelmCli = { bin: "helm", major: 4, version: "v4.1.4" };
const options = {
  target,
  chart: chartArgs("oci://127.0.0.1:5000/charts/web", "1.2.0"),
  registry: registryArgs({ plainHttp: true }, undefined),
  valuesFile: "/tmp/x/values.json",
  timeoutSeconds: 90,
  description: "harmony: web 1.2.0",
};

describe("helm arguments", () => {
  test("helm 3 waits with --wait and rolls back with --atomic", () => {
    const args = upgradeArgs(helm3, options);
    expect(args.slice(0, 6)).toEqual(["upgrade", "--install", "web", "oci://127.0.0.1:5000/charts/web", "--version", "1.2.0"]);
    expect(args).toContain("--atomic");
    expect(args).toContain("--wait");
    expect(args).not.toContain("--rollback-on-failure");
  });

  test("helm 4 needs --wait=watcher (its bare default waits for hooks only) and --rollback-on-failure", () => {
    const args = upgradeArgs(helm4, options);
    expect(args).toContain("--wait=watcher");
    expect(args).toContain("--rollback-on-failure");
    expect(args).not.toContain("--atomic");
    expect(rollbackArgs(helm4, target, 2, 60)).toEqual(["rollback", "web", "2", "--namespace", "apps", "--kubeconfig", "/k/config", "--kube-context", "ctx", "--wait=watcher", "--timeout", "60s"]);
  });

  test("the cluster, namespace, timeout and values file are passed; values never as --set", () => {
    const args = upgradeArgs(helm3, options).join(" ");
    expect(args).toContain("--namespace apps --kubeconfig /k/config --kube-context ctx --create-namespace");
    expect(args).toContain("--values /tmp/x/values.json");
    expect(args).toContain("--timeout 90s");
    expect(args).toContain("--plain-http");
    expect(args).not.toContain("--set");
  });

  test("helm skips its OpenAPI pass only when harmony validated the render (or the cluster validates fields)", () => {
    expect(upgradeArgs(helm3, options)).not.toContain("--disable-openapi-validation");
    expect(upgradeArgs(helm3, { ...options, validated: true })).toContain("--disable-openapi-validation");
    expect(upgradeArgs(helm4, { ...options, validated: true })).toContain("--disable-openapi-validation");
  });

  test("a chart harmony fetched is installed from its file, and helm gets no registry flags or credentials", () => {
    const chart = { location: "oci://127.0.0.1:5000/charts/web", version: "1.2.0" };
    expect(chartSource({ chartFile: "/tmp/d/web-1.2.0.tgz", registryConfig: undefined }, chart, { plainHttp: true })).toEqual({ chart: ["/tmp/d/web-1.2.0.tgz"], registry: [] });
    expect(chartSource({ chartFile: undefined, registryConfig: "/tmp/d/registry-config.json" }, chart, { plainHttp: true })).toEqual({
      chart: ["oci://127.0.0.1:5000/charts/web", "--version", "1.2.0"],
      registry: ["--plain-http", "--registry-config", "/tmp/d/registry-config.json"],
    });
  });

  test("a local archive is installed as it is (its version is inside)", () => {
    expect(chartArgs("/charts/web-1.2.0.tgz", "1.2.0")).toEqual(["/charts/web-1.2.0.tgz"]);
  });

  test("registry settings: CA file and a credentials file, never a password argument", () => {
    expect(registryArgs({ caFile: "/ca.pem", username: "u", passwordEnv: "P" }, "/tmp/x/registry.json")).toEqual([
      "--ca-file", "/ca.pem", "--registry-config", "/tmp/x/registry.json",
    ]);
    expect(registryHost("oci://127.0.0.1:5000/charts/web")).toBe("127.0.0.1:5000");
  });

  test("registry access comes from the chart, else from the environment", () => {
    const chart = { name: "web", version: "1", location: "oci://r/c/web", digest: "" };
    expect(chartAccess({ ...chart, access: { caFile: "/a" } }, { HARMONY_CHART_PLAIN_HTTP: "true" })).toEqual({ caFile: "/a" });
    expect(chartAccess(chart, { HARMONY_CHART_PLAIN_HTTP: "true", HARMONY_CHART_CA_FILE: "/b" })).toEqual({ plainHttp: true, caFile: "/b" });
    expect(chartAccess(chart, {})).toEqual({ plainHttp: false });
  });
});

describe("which helm", () => {
  test("the version of a helm binary is asked once and remembered until the binary changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "harmony-helm-version-"));
    try {
      const bin = join(dir, "helm");
      const calls = join(dir, "calls");
      writeFileSync(bin, `#!/bin/sh\necho x >> ${calls}\necho v3.17.3\n`);
      chmodSync(bin, 0o755);
      const env = { HARMONY_HELM: bin, XDG_CACHE_HOME: join(dir, "cache"), PATH: process.env.PATH };
      const work = { reporter: recordingReporter(), signal: new AbortController().signal };
      const count = () => readFileSync(calls, "utf8").split("\n").filter(Boolean).length;
      expect(await detectHelm(env, 3, work)).toEqual({ bin, major: 3, version: "v3.17.3" });
      expect(await detectHelm(env, 3, work)).toEqual({ bin, major: 3, version: "v3.17.3" });
      expect(count()).toBe(1);
      // A replaced binary (here: a different size) is asked again; its answer still decides.
      writeFileSync(bin, `#!/bin/sh\necho x >> ${calls}\necho v4.1.4\n`);
      await expect(detectHelm(env, 3, work)).rejects.toThrow("helmVersion is 3 but");
      expect(count()).toBe(2);
      appendFileSync(bin, "# touched\n");
      expect((await detectHelm(env, undefined, work)).major).toBe(4);
      expect(count()).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("versions 3 and 4 are recognised; others are not", () => {
    expect(parseHelmVersion("v3.17.3")).toEqual({ version: "v3.17.3", major: 3 });
    expect(parseHelmVersion("v4.1.4\n")).toEqual({ version: "v4.1.4", major: 4 });
    expect(parseHelmVersion("v2.16.0")).toBeUndefined();
    expect(parseHelmVersion("garbage")).toBeUndefined();
  });

  test("HARMONY_HELM wins over the PATH; no helm at all is a config error", () => {
    expect(helmBinary({ HARMONY_HELM: "/opt/helm4/helm", PATH: "/usr/bin" })).toBe("/opt/helm4/helm");
    expect(() => helmBinary({ PATH: "/nonexistent" })).toThrow(/helm is not installed/);
  });
});

describe("preflight", () => {
  test("helm: a missing binary is one sentence naming the fix, not an exception", async () => {
    const { createHelmDelivery } = await import("../../../topologies/adapters/continuous-delivery/helm.ts");
    const { recordingReporter } = await import("../../../capabilities/index.ts");
    const cd = createHelmDelivery({ adapter: "helm" }, { projectDir: "/", env: { PATH: "/nonexistent" } });
    expect(await cd.preflight!({ reporter: recordingReporter(), signal: new AbortController().signal })).toEqual([
      "helm is not installed (not on PATH, HARMONY_HELM unset) (install helm 3 or 4, or set HARMONY_HELM to its path)",
    ]);
  });

  test("gitops: helm missing and no git working copy are both reported", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { createGitOpsDelivery } = await import("../../../topologies/adapters/continuous-delivery/gitops.ts");
    const { recordingReporter } = await import("../../../capabilities/index.ts");
    const dir = mkdtempSync(join(tmpdir(), "gitops-preflight-"));
    const gitOnly = mkdtempSync(join(tmpdir(), "gitops-path-")); // a PATH with git and no helm
    const { symlinkSync } = await import("node:fs");
    symlinkSync(Bun.which("git")!, join(gitOnly, "git"));
    const cd = createGitOpsDelivery({ adapter: "gitops", path: "out", commit: true }, { projectDir: dir, env: { PATH: gitOnly, GIT_CEILING_DIRECTORIES: dir } });
    const problems = await cd.preflight!({ reporter: recordingReporter(), signal: new AbortController().signal });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toStartWith("helm is not installed");
    expect(problems[1]).toBe(`${join(dir, "out")} is not inside a git working copy, and the gitops adapter commits (commit: true) (point path at a checkout of the repository Argo CD or Flux watches, or set commit: false)`);
  });
});
