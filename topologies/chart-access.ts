/**
 * How a deployer reaches the chart registry is known to the topology, not to the deploy score: the
 * HelmRegistry's own settings say whether it speaks plain HTTP (loopback), which CA signs it and
 * which credentials it takes. Charts it publishes or finds carry that along as `access`.
 */
import type { ChartRegistryAccess, DeployableChart, HelmRegistry, PublishedChart } from "../capabilities/index.ts";
import type { HelmRegistryConfig } from "./config.ts";
import { isLoopback, parseEndpoint } from "./oci/endpoint.ts";

type RegistryLike = Extract<HelmRegistryConfig, { adapter: "registry" | "harbor" }>;

export function chartAccessFor(config: RegistryLike, projectDir: string): ChartRegistryAccess {
  const endpoint = parseEndpoint(config, projectDir);
  // A loopback registry without a CA is the plain-HTTP one docker and helm also allow.
  const plainHttp = endpoint.scheme === "http" || (isLoopback(endpoint.host) && endpoint.caFile === undefined && config.insecure !== true);
  return {
    ...(plainHttp ? { plainHttp } : {}),
    ...(endpoint.caFile ? { caFile: endpoint.caFile } : {}),
    ...(config.username ? { username: config.username } : {}),
    ...(config.passwordEnv ? { passwordEnv: config.passwordEnv } : {}),
  };
}

export function withChartAccess<R extends HelmRegistry>(registry: R, access: ChartRegistryAccess): R {
  const attach = (chart: PublishedChart): DeployableChart => ({ ...chart, access });
  return {
    ...registry,
    push: async (chart, work) => attach(await registry.push(chart, work)),
    resolve: async (name, version, work) => {
      const found = await registry.resolve(name, version, work);
      return found === undefined ? undefined : attach(found);
    },
  };
}
