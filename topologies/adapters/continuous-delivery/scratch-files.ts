/**
 * Files a deploy hands to helm that must not appear on its command line: the values (they pin
 * the image and may carry settings users consider private) and registry credentials. They live
 * in a fresh 0700 directory, each file 0600, and are removed when the deploy ends.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarmonyError, type ChartRegistryAccess, type DeployableChart } from "../../../capabilities/index.ts";
import type { Env } from "./helm-cli.ts";

export interface ScratchFiles {
  readonly valuesFile: string;
  /** A docker-style config.json for `helm --registry-config`, when the registry needs a login. */
  readonly registryConfig: string | undefined;
  /** The chart archive, when harmony fetched it (helm then installs from this file). */
  readonly chartFile: string | undefined;
  dispose(): void;
}

const truthy = (v: string | undefined) => v === "1" || v === "true";

/** The chart's own access settings, else the environment's. */
export function chartAccess(chart: DeployableChart, env: Env): ChartRegistryAccess {
  if (chart.access !== undefined) return chart.access;
  return {
    plainHttp: truthy(env.HARMONY_CHART_PLAIN_HTTP),
    ...(env.HARMONY_CHART_CA_FILE ? { caFile: env.HARMONY_CHART_CA_FILE } : {}),
  };
}

/** `127.0.0.1:5000` from `oci://127.0.0.1:5000/charts/app`. */
export function registryHost(location: string): string {
  return location.replace(/^oci:\/\//, "").split("/")[0] ?? "";
}

function registryAuth(chart: DeployableChart, access: ChartRegistryAccess, env: Env): string | undefined {
  if (access.username === undefined || !chart.location.startsWith("oci://")) return undefined;
  const password = access.passwordEnv === undefined ? undefined : env[access.passwordEnv];
  if (password === undefined || password === "") {
    throw new HarmonyError("config", `the chart registry needs a password for ${access.username}, but ${access.passwordEnv ?? "passwordEnv"} is not set`, {
      hint: "export the variable named by passwordEnv before running harmony",
    });
  }
  const auth = Buffer.from(`${access.username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [registryHost(chart.location)]: { auth } } });
}

export function writeScratchFiles(values: Readonly<Record<string, unknown>>, chart: DeployableChart, access: ChartRegistryAccess, env: Env, archive?: Uint8Array): ScratchFiles {
  // With the archive at hand helm never talks to the registry, so it gets no credentials.
  const auth = archive === undefined ? registryAuth(chart, access, env) : undefined;
  const dir = mkdtempSync(join(tmpdir(), "harmony-deploy-"));
  const valuesFile = join(dir, "values.json"); // JSON is YAML: helm reads it as a values file
  writeFileSync(valuesFile, JSON.stringify(values, null, 2), { mode: 0o600 });
  let registryConfig: string | undefined;
  if (auth !== undefined) {
    registryConfig = join(dir, "registry-config.json");
    writeFileSync(registryConfig, auth, { mode: 0o600 });
  }
  let chartFile: string | undefined;
  if (archive !== undefined) {
    chartFile = join(dir, `${chart.name}-${chart.version}.tgz`);
    writeFileSync(chartFile, archive, { mode: 0o600 });
  }
  return { valuesFile, registryConfig, chartFile, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
