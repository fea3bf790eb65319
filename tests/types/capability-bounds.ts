/**
 * Compiled by `tsc --noEmit` in CI (never run): proves a score cannot be run on a topology that
 * lacks a capability it needs. Each @ts-expect-error must stay an error, or tsc fails.
 */
import type { ContainerBuilder, ContinuousDelivery, HelmRegistry, OciRegistry, WorkContext } from "../../capabilities/index.ts";
import { runScores } from "../../scores/runner.ts";
import type { ReleaseNeeds } from "../../scores/release.ts";
import type { Score } from "../../scores/score.ts";

declare const builder: ContainerBuilder;
declare const oci: OciRegistry;
declare const helm: HelmRegistry;
declare const cd: ContinuousDelivery;
declare const work: WorkContext;
declare const release: Score<ReleaseNeeds>;
declare const deploy: Score<"continuousDelivery">;

const full = { name: "full", capabilities: { containerBuilder: builder, ociRegistry: oci, helmRegistry: helm, continuousDelivery: cd } };
const publishOnly = { name: "publish-only", capabilities: { containerBuilder: builder, ociRegistry: oci, helmRegistry: helm } };
const noHelm = { name: "no-helm-registry", capabilities: { containerBuilder: builder, ociRegistry: oci, continuousDelivery: cd } };

void runScores(full, [release, deploy], work);
void runScores(publishOnly, [release], work);

// @ts-expect-error the deploy score needs continuousDelivery, which publishOnly lacks
void runScores(publishOnly, [release, deploy], work);

// @ts-expect-error the release score needs helmRegistry, which noHelm lacks
void runScores(noHelm, [release], work);

// @ts-expect-error a capability that is maybe-undefined is not provided
void runScores({ name: "maybe", capabilities: { continuousDelivery: cd as ContinuousDelivery | undefined } }, [deploy], work);

// @ts-expect-error `caps` only offers what the score declared it needs
export const sneaky: Score<"ociRegistry"> = { name: "x", needs: ["ociRegistry"], run: async (caps) => (caps.containerBuilder, { status: "skipped", summary: "" }) };
