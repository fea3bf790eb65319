/**
 * The pieces of a release that are not capabilities but still touch the outside world or the disk:
 * preparing build requests, packaging charts, running smoke checks.
 */
import { parseImageRef, type BuildContext } from "../capabilities/index.ts";
import { buildableRequest } from "../scores/buildable/index.ts";
import { packageChartFor } from "../scores/chart/index.ts";
import type { KeyHistory } from "../scores/content-key/reuse.ts";
import { directoryKeyHistory, registryKeyHistory } from "./adapters/container-builder/key-history.ts";
import { connect } from "./oci/connect.ts";
import type { OciRegistryConfig, TopologyConfig } from "./config.ts";
import type { AdapterEnv } from "./create.ts";
import { isAbsolute, join, resolve } from "node:path";
import type { AppSpec } from "../scores/app-spec.ts";
import type { ReleasePreparation } from "../scores/release.ts";
import type { SmokeRunner } from "../scores/smoke.ts";
import { runHttpCheck } from "./smoke/http-check.ts";

function labelsFor(app: AppSpec, version: string): Record<string, string> {
  return {
    "org.opencontainers.image.title": app.name,
    "org.opencontainers.image.version": version,
  };
}

export function buildContextFor(app: AppSpec, version: string): BuildContext {
  const labels = labelsFor(app, version);
  switch (app.image.kind) {
    case "dockerfile": {
      const d = app.image;
      return { kind: "dockerfile", app: app.name, contextDir: d.context, dockerfile: d.dockerfile, buildArgs: d.buildArgs, ...(d.target === undefined ? {} : { target: d.target }), platforms: d.platforms, labels };
    }
    case "files":
      return { kind: "files", app: app.name, base: parseImageRef(app.image.base), layers: app.image.files, config: app.image.config, labels };
    case "buildable":
      return buildableRequest({ app: app.name, projectRoot: app.projectRoot, generator: app.image.generator, labels });
  }
}

/** Where a topology keeps build keys: beside the images it publishes (a registry, or the layout on disk). */
function keyHistoryFor(config: OciRegistryConfig | undefined, env: AdapterEnv): KeyHistory | undefined {
  switch (config?.adapter) {
    case "registry":
    case "harbor":
      // The registry's own settings (credentials from passwordEnv, caFile), not only stored ones.
      return registryKeyHistory(connect(config, env.projectDir, env.env).clientFor);
    case "oci-layout":
      return directoryKeyHistory(join(isAbsolute(config.path) ? config.path : resolve(env.projectDir, config.path), ".harmony-keys"));
    default:
      return undefined;
  }
}

export function releasePreparation(config: TopologyConfig, env: AdapterEnv): ReleasePreparation {
  const keyHistory = keyHistoryFor(config.ociRegistry, env);
  return {
    buildContext: async (app, version) => buildContextFor(app, version),
    packageChart: packageChartFor,
    ...(keyHistory ? { keyHistory } : {}),
  };
}

export function smokeRunner(env: Readonly<Record<string, string | undefined>>): SmokeRunner {
  return {
    run: async (check, context, work) => {
      switch (check.type) {
        case "http":
          return runHttpCheck(check, context, work);
        case "job":
          return (await import("./smoke/job-check.ts")).runJobCheck(check, context, work, env);
        case "helm-test":
          return (await import("./smoke/helm-test-check.ts")).runHelmTestCheck(check, context, work, env);
      }
    },
  };
}
