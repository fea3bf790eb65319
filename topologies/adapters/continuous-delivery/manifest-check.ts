/**
 * A deploy checked before it changes anything: the chart rendered for the target (`helm template`
 * with the target cluster's version and API versions) and every object validated against that
 * cluster's schema. The pipeline checks every target still to come before its first deploy, so a
 * production value the production cluster would refuse fails before staging changes.
 *
 * helm does the same validation inside each `helm upgrade` on clusters that do not validate fields
 * themselves — downloading and parsing the cluster's whole OpenAPI document every time. Once a
 * render passed here, helm is told `--disable-openapi-validation`; on clusters that validate
 * fields server-side (1.27+) helm's client-side pass does nothing but that download, so it is
 * skipped there too. Whenever the check itself cannot run, helm validates as it always did.
 *
 * Limits, as with any render outside `helm upgrade`: `lookup` sees nothing, and helm's built-in
 * API versions join the cluster's, so an object a chart renders only for APIs the cluster lacks is
 * not validated (the API server refuses its kind anyway).
 */
import { parseAllDocuments } from "yaml";
import { HarmonyError, type ClusterTarget, type DeployRequest, type WorkContext } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";
import { locationKey, type Kube } from "../../kube/client.ts";
import { clusterSchema, type ClusterSchema } from "../../kube/cluster-schema.ts";
import type { ManifestValidator } from "../../kube/openapi-validation.ts";
import type { ChartFetcher } from "./chart-fetch.ts";
import { clusterTarget } from "./cluster-target.ts";
import { chartSource, helmError, templateArgs, type HelmCli } from "./helm-cli.ts";
import { runProcess, type ProcessResult } from "./process.ts";
import { chartAccess, writeScratchFiles } from "./scratch-files.ts";

export interface ManifestCheck {
  /** What the cluster would refuse, one line each; empty when the render is valid or was not checked. */
  readonly problems: readonly string[];
  /** The render was validated here, or the cluster validates fields itself: helm need not. */
  readonly helmMaySkipValidation: boolean;
}

export type ManifestChecker = (request: DeployRequest, work: WorkContext) => Promise<ManifestCheck>;

const NOT_CHECKED: ManifestCheck = { problems: [], helmMaySkipValidation: false };

/** `name/templates/x.yaml` from helm's `# Source:` line above each rendered document. */
const sourceOf = (comment: string | null | undefined): string | undefined => /Source:\s*(\S+)/.exec(comment ?? "")?.[1];

function describe(object: unknown): string {
  const o = object as { kind?: unknown; metadata?: { name?: unknown } } | null;
  return `${typeof o?.kind === "string" ? o.kind : "object"} ${typeof o?.metadata?.name === "string" ? o.metadata.name : "(unnamed)"}`;
}

/** Problems in a multi-document render, each prefixed with its template and object. */
export function renderProblems(rendered: string, validate: (object: unknown) => string[]): string[] {
  const problems: string[] = [];
  for (const doc of parseAllDocuments(rendered)) {
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) continue;
    // After `---`, helm's comment belongs to the document's first node.
    const where = [sourceOf(doc.commentBefore ?? doc.contents?.commentBefore), describe(object)].filter((p) => p !== undefined).join(": ");
    for (const problem of validate(object)) problems.push(`${where}: ${problem}`);
  }
  return problems;
}

export function manifestChecker(
  env: AdapterEnv,
  helm: (work: WorkContext) => Promise<HelmCli>,
  fetchChart: ChartFetcher,
  connect: (target: ClusterTarget) => Promise<Kube>,
): ManifestChecker {
  const schemas = new Map<string, Promise<ClusterSchema | undefined>>();
  const checks = new Map<string, Promise<ManifestCheck>>();

  function schemaOf(target: ClusterTarget, work: WorkContext): Promise<ClusterSchema | undefined> {
    let found = schemas.get(locationKey(target));
    if (found === undefined) {
      found = connect(target)
        .then((kube) => clusterSchema(kube, env.env))
        .catch((error: unknown) => {
          work.reporter.debug(`cannot read the schema of ${target.name}'s cluster (${error instanceof Error ? error.message : String(error)}): helm validates instead`);
          return undefined;
        });
      schemas.set(locationKey(target), found);
    }
    return found;
  }

  async function check(request: DeployRequest, target: ClusterTarget, work: WorkContext): Promise<ManifestCheck> {
    const fetching = fetchChart(request.chart, work); // meanwhile: it does not depend on the cluster
    fetching.catch(() => undefined); // only an interruption rejects, and the deploy reports that
    const schema = await schemaOf(target, work);
    if (schema === undefined) return NOT_CHECKED;
    if (schema.validator === undefined) return { problems: [], helmMaySkipValidation: true };
    const [cli, archive] = await Promise.all([helm(work), fetching]);
    const access = chartAccess(request.chart, env.env);
    const files = writeScratchFiles(request.values, request.chart, access, env.env, archive);
    let rendered: ProcessResult;
    try {
      const source = chartSource(files, request.chart, access);
      const args = [
        ...templateArgs(target.releaseName, target.namespace, source.chart, source.registry, files.valuesFile),
        "--skip-tests", // helm upgrade does not run (or validate) test hooks
        "--kube-version", schema.gitVersion,
        ...schema.apiVersions.flatMap((v) => ["--api-versions", v]),
      ];
      rendered = await runProcess([cli.bin, ...args], work, { env: env.env, label: "helm", echoStdout: false });
    } finally {
      files.dispose();
    }
    if (work.signal.aborted) throw new HarmonyError("interrupted", `interrupted while rendering ${request.chart.name} for ${target.name}`);
    if (rendered.code !== 0) {
      // A render outside the cluster can fail where the upgrade would not (`lookup`): helm decides.
      work.reporter.debug(`helm template for ${target.name} failed (${helmError(rendered)}): helm validates instead`);
      return NOT_CHECKED;
    }
    let validator: ManifestValidator;
    try {
      validator = await schema.validator;
    } catch (error) {
      work.reporter.debug(`cannot read the OpenAPI schema of ${target.name}'s cluster (${error instanceof Error ? error.message : String(error)}): helm validates instead`);
      return NOT_CHECKED;
    }
    return { problems: renderProblems(rendered.stdout, (o) => validator.validate(o)), helmMaySkipValidation: true };
  }

  return (request, work) => {
    const t = clusterTarget(request.target, env);
    const key = JSON.stringify([locationKey(t), t.namespace, t.releaseName, request.chart.location, request.chart.digest, request.values]);
    let found = checks.get(key);
    if (found === undefined) {
      found = check(request, t, work);
      checks.set(key, found);
      found.catch(() => checks.delete(key)); // interrupted: a later call tries again
    }
    return found;
  };
}
