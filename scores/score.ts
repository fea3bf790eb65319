/**
 * Scores are units of work whose required capabilities are part of their type. A score needing a
 * capability cannot be run (does not compile) against a topology that lacks it; the `needs` array is
 * the run-time mirror, used when the topology comes from YAML.
 */
import type {
  ContainerBuilder,
  ContinuousDelivery,
  HelmRegistry,
  OciRegistry,
  WorkContext,
} from "../capabilities/index.ts";

export interface Capabilities {
  readonly containerBuilder: ContainerBuilder;
  readonly ociRegistry: OciRegistry;
  readonly helmRegistry: HelmRegistry;
  readonly continuousDelivery: ContinuousDelivery;
}

export type CapabilityName = keyof Capabilities;

export const CAPABILITY_NAMES = [
  "containerBuilder",
  "ociRegistry",
  "helmRegistry",
  "continuousDelivery",
] as const satisfies readonly CapabilityName[];

export type Provided<N extends CapabilityName> = Pick<Capabilities, N>;

/** Expected results are values; exceptions are for the unexpected. */
export type Outcome<Detail = unknown> =
  | { readonly status: "succeeded"; readonly summary: string; readonly detail: Detail }
  | { readonly status: "skipped"; readonly summary: string; readonly detail?: Detail }
  | { readonly status: "failed"; readonly summary: string; readonly detail?: Detail };

export interface Score<N extends CapabilityName, Detail = unknown> {
  readonly name: string;
  readonly needs: readonly N[];
  // A property, not a method: strictFunctionTypes then checks `caps` contravariantly, which is
  // what makes a score needing more than a topology provides a compile error.
  readonly run: (caps: Provided<N>, work: WorkContext) => Promise<Outcome<Detail>>;
}

/** A named composition of adapters. `P` is what it provides, known statically or checked at run time. */
export interface Topology<P extends Partial<Capabilities> = Partial<Capabilities>> {
  readonly name: string;
  readonly capabilities: P;
}

/** The capability names a statically known topology provides. */
export type ProvidedBy<P extends Partial<Capabilities>> = {
  [K in keyof P & CapabilityName]-?: P[K] extends Capabilities[K] ? K : never;
}[keyof P & CapabilityName];
