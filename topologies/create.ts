/**
 * Turns a topology's configuration into live adapters. Each capability has a small table of
 * factories; an adapter not in the table is reported before any work starts, never mid-deploy.
 */
import { HarmonyError } from "../capabilities/index.ts";
import type { Capabilities, CapabilityName, Topology } from "../scores/score.ts";
import type { TopologyConfig, TopologyName } from "./config.ts";

export interface AdapterEnv {
  /** Directory of harmony.yaml; relative paths in settings are resolved from it. */
  readonly projectDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

type Factory<C extends CapabilityName> = (config: never, env: AdapterEnv) => Capabilities[C];
type FactoryTable = { [C in CapabilityName]: Partial<Record<string, Factory<C>>> };

/** Filled in as adapters land; see topologies/adapters/. */
export const FACTORIES: FactoryTable = {
  containerBuilder: {},
  ociRegistry: {},
  helmRegistry: {},
  continuousDelivery: {},
};

export function availableAdapters(capability: CapabilityName): string[] {
  return Object.keys(FACTORIES[capability]);
}

export function createTopology(
  name: TopologyName,
  config: TopologyConfig,
  env: AdapterEnv,
  needs: readonly CapabilityName[],
): Topology {
  const capabilities: Partial<Record<CapabilityName, unknown>> = {};
  const problems: string[] = [];
  for (const capability of new Set(needs)) {
    const settings = config[capability];
    if (settings === undefined) {
      problems.push(`${capability}: no adapter declared (topologies.${name}.${capability})`);
      continue;
    }
    const factory = FACTORIES[capability][settings.adapter] as Factory<CapabilityName> | undefined;
    if (factory === undefined) {
      const have = availableAdapters(capability);
      problems.push(`${capability}: adapter "${settings.adapter}" is not available in this build (available: ${have.length ? have.join(", ") : "none yet"})`);
      continue;
    }
    capabilities[capability] = factory(settings as never, env);
  }
  if (problems.length > 0) {
    throw new HarmonyError("config", `topology "${name}" cannot run this pipeline:\n  ${problems.join("\n  ")}`, {
      hint: `set the adapters under topologies.${name} in harmony.yaml, or pick another with --topology`,
    });
  }
  return { name, capabilities: capabilities as Partial<Capabilities> };
}
