/**
 * The part of preflight that needs the targets: a deployer that talks to clusters (helm, argocd)
 * must reach each target's kube context before anything is built. A context that is missing from
 * the kubeconfig, or an API server that does not answer within a few seconds, is reported now
 * instead of after a build and a push.
 */
import type { ClusterTarget } from "../capabilities/index.ts";
import { connectKube, kubeMessage } from "./kube/client.ts";

const ANSWER_WITHIN_MS = 3000;
const CLUSTER_DEPLOYERS = new Set(["helm", "argocd"]);

async function reachable(target: ClusterTarget, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
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
    return `target ${target.name}: the cluster (${where}) does not answer: ${kubeMessage(error)}`;
  }
}

export async function targetProblems(
  deployer: string | undefined,
  targets: readonly ClusterTarget[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<string[]> {
  if (deployer === undefined || !CLUSTER_DEPLOYERS.has(deployer)) return [];
  const found = await Promise.all(targets.map((t) => reachable(t, env)));
  return found.filter((p): p is string => p !== undefined);
}
