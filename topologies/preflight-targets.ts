/**
 * The part of preflight that needs the targets: a deployer that talks to clusters (helm, argocd)
 * must reach each target's kube context before anything is built. A context that is missing from
 * the kubeconfig, or an API server that does not answer within a few seconds, is reported now
 * instead of after a build and a push.
 */
import type { ClusterTarget } from "../capabilities/index.ts";
import { connectKube, kubeMessage, locationKey } from "./kube/client.ts";

const ANSWER_WITHIN_MS = 3000;
const CLUSTER_DEPLOYERS = new Set(["helm", "argocd"]);

/** Why the cluster does not answer, or undefined when it does. */
async function clusterProblem(target: ClusterTarget, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  let where = `context ${target.context ?? "(current)"}`;
  try {
    const kube = await connectKube(target, env);
    where = kube.where;
    const version = kube.api(kube.k8s.VersionApi);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS / 1000}s`)), ANSWER_WITHIN_MS);
    });
    await Promise.race([version.getCode(), late]).finally(() => clearTimeout(timer));
    return undefined;
  } catch (error) {
    return `the cluster (${where}) does not answer: ${kubeMessage(error)}`;
  }
}

export async function targetProblems(
  deployer: string | undefined,
  targets: readonly ClusterTarget[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<string[]> {
  if (deployer === undefined || !CLUSTER_DEPLOYERS.has(deployer)) return [];
  // Targets usually share a cluster (namespaces of one): each cluster is asked once.
  const asked = new Map<string, Promise<string | undefined>>();
  const found = await Promise.all(
    targets.map(async (t) => {
      const key = locationKey(t);
      if (!asked.has(key)) asked.set(key, clusterProblem(t, env));
      const problem = await asked.get(key);
      return problem === undefined ? undefined : `target ${t.name}: ${problem}`;
    }),
  );
  return found.filter((p): p is string => p !== undefined);
}
