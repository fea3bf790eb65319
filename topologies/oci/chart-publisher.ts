/**
 * The HelmRegistry capability on an OCI registry, shared by the `registry` and `harbor` adapters:
 * a chart `name` at version `v` is `oci://<host>/<path>/<name>:<v with + as _>`, exactly where
 * `helm push` would put it and where `helm pull oci://…/<name> --version v` looks.
 */
import { HarmonyError, tagForVersion, type ChartPackage, type HelmRegistry, type PublishedChart, type WorkContext } from "../../capabilities/index.ts";
import { accessProblems, type Connection } from "./connect.ts";
import { repositoryPath } from "./endpoint.ts";
import { ChartSource } from "./helm-chart.ts";
import { copyImage } from "./image-copy.ts";
import { newTransferStats, type TransferStats } from "./progress.ts";
import { RegistrySink } from "./registry-image.ts";

export interface CountingHelmRegistry extends HelmRegistry {
  readonly stats: TransferStats;
}

export interface ChartPublisherOptions {
  readonly adapter: string;
  readonly connection: Connection;
  readonly beforePush?: (work: WorkContext) => Promise<void>;
  readonly preflightExtra?: (work: WorkContext) => Promise<string[]>;
}

export function chartPublisher(options: ChartPublisherOptions): CountingHelmRegistry {
  const { endpoint, client } = options.connection;
  const stats = newTransferStats();
  const repository = (name: string) => repositoryPath(endpoint, name);
  const published = (name: string, version: string, digest: string): PublishedChart => ({ name, version, location: `oci://${endpoint.host}/${repository(name)}`, digest });
  return {
    adapter: options.adapter,
    stats,
    async push(chart: ChartPackage, work: WorkContext): Promise<PublishedChart> {
      const source = await ChartSource.open(chart.archivePath);
      const { name, version } = source.metadata;
      if (name !== chart.name || version !== chart.version) {
        throw new HarmonyError("failed", `${chart.archivePath} holds chart ${name} ${version}, expected ${chart.name} ${chart.version}`);
      }
      await options.beforePush?.(work);
      const root = await copyImage(source, new RegistrySink(client, repository(name)), tagForVersion(version), stats, work);
      return published(name, version, root.digest);
    },
    async resolve(name: string, version: string, work: WorkContext): Promise<PublishedChart | undefined> {
      const digest = await client.headManifest(repository(name), tagForVersion(version), work);
      return digest === undefined ? undefined : published(name, version, digest);
    },
    async preflight(work: WorkContext): Promise<readonly string[]> {
      const problems = await accessProblems(client, work);
      return problems.length > 0 || !options.preflightExtra ? problems : options.preflightExtra(work);
    },
  };
}
