/**
 * HelmRegistry that publishes nothing: for dry runs and topologies that deploy from the archive on
 * disk. The "published" chart points at the archive and carries its sha256, so a plan or a
 * render-only deploy still has a pinned chart.
 */
import type { ChartPackage, HelmRegistry, PublishedChart, WorkContext } from "../../../capabilities/index.ts";
import type { HelmRegistryConfig } from "../../config.ts";
import type { AdapterEnv } from "../../create.ts";
import { hashFile } from "../../oci/digest.ts";

export type NoopHelmSettings = Extract<HelmRegistryConfig, { adapter: "noop" }>;

export function createNoopHelmRegistry(_config: NoopHelmSettings, _env: AdapterEnv): HelmRegistry {
  const pushed = new Map<string, PublishedChart>();
  return {
    adapter: "noop",
    async push(chart: ChartPackage, work: WorkContext): Promise<PublishedChart> {
      const { digest } = await hashFile(chart.archivePath);
      const published = { name: chart.name, version: chart.version, location: chart.archivePath, digest };
      pushed.set(`${chart.name}@${chart.version}`, published);
      work.reporter.info(`not publishing chart ${chart.name} ${chart.version} (noop registry)`);
      return published;
    },
    // Only what this run "pushed" exists: a noop registry holds nothing between runs.
    resolve: async (name: string, version: string) => pushed.get(`${name}@${version}`),
  };
}
