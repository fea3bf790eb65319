/**
 * The state a release leaves behind, read from the real parts rather than from harmony's report:
 * the registry (over HTTP, and its storage directory for manifests no tag names any more), helm's
 * history, and the Deployment the cluster runs. `releaseProblems` lists every way that state is
 * not the one a finished release of `version` must leave; an empty list is the correct final state.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { helmHistory } from "../../e2e/pipeline-project.ts";
import type { RobustProject } from "./run-project.ts";

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

/** The digest `repository:tag` resolves to in the registry, or undefined when the tag is absent. */
export async function registryDigest(p: RobustProject, repository: string, tag: string): Promise<string | undefined> {
  const res = await fetch(`${p.registry.url}/v2/${repository}/manifests/${tag}`, { method: "HEAD", headers: { Accept: MANIFEST_TYPES } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`HEAD ${repository}:${tag}: ${res.status}`);
  return res.headers.get("docker-content-digest") ?? undefined;
}

export async function registryTags(p: RobustProject, repository: string): Promise<string[]> {
  const res = await fetch(`${p.registry.url}/v2/${repository}/tags/list`);
  if (res.status === 404) return [];
  return ((await res.json()) as { tags?: string[] | null }).tags ?? [];
}

/** Digests of every manifest the registry stores for `repository`, tagged or not (its storage directory). */
export function storedManifests(p: RobustProject, repository: string): string[] {
  const dir = join(dirname(p.registry.log), "data/docker/registry/v2/repositories", repository, "_manifests/revisions/sha256");
  return existsSync(dir) ? readdirSync(dir).map((hex) => `sha256:${hex}`) : [];
}

/** The config media type of a stored manifest: an image's, a chart's, or an artifact's (the build-key record). */
async function configType(p: RobustProject, repository: string, digest: string): Promise<string> {
  const res = await fetch(`${p.registry.url}/v2/${repository}/manifests/${digest}`, { headers: { Accept: MANIFEST_TYPES } });
  if (!res.ok) throw new Error(`GET ${repository}@${digest}: ${res.status}`);
  const manifest = (await res.json()) as { artifactType?: string; config?: { mediaType?: string } };
  return manifest.artifactType ?? manifest.config?.mediaType ?? "";
}

const IMAGE_OR_CHART = /image\.config|container\.image|cncf\.helm\.config/;

/**
 * Images (or charts) stored in `repository` that no tag names: what a rebuild or re-push of an
 * already published version leaves behind when it moves the tag to a new digest.
 */
export async function untaggedArtifacts(p: RobustProject, repository: string): Promise<string[]> {
  const tagged = new Set<string>();
  for (const tag of await registryTags(p, repository)) {
    const digest = await registryDigest(p, repository, tag);
    if (digest !== undefined) tagged.add(digest);
  }
  const untagged: string[] = [];
  for (const digest of storedManifests(p, repository)) {
    if (tagged.has(digest)) continue;
    if (IMAGE_OR_CHART.test(await configType(p, repository, digest))) untagged.push(digest);
  }
  return untagged;
}

/** The image the app's Deployment runs in `namespace`, or undefined when there is none. */
export async function deployedImage(p: RobustProject, namespace: string): Promise<string | undefined> {
  const child = Bun.spawn(
    [p.helm.kubectl, "get", "deployment", p.app, "-n", namespace, "-o", "jsonpath={.spec.template.spec.containers[0].image}", "--kubeconfig", p.kube.kubeconfig, "--context", p.kube.context],
    { env: p.env, stdout: "pipe", stderr: "pipe" },
  );
  const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  return code === 0 && out.trim() !== "" ? out.trim() : undefined;
}

export type Revision = Awaited<ReturnType<typeof helmHistory>>[number];

/** `helm history` of the app in `namespace`: empty when it was never installed. */
export function history(p: RobustProject, namespace: string): Promise<Revision[]> {
  return helmHistory(p, namespace, p.app);
}

export const isRollback = (r: Revision) => /^Rollback to \d+/.test(r.description);

/** Revisions that installed `version` and ran (helm's own rollbacks to it are not new deploys). */
export function deploysOf(revisions: readonly Revision[], app: string, version: string): Revision[] {
  return revisions.filter((r) => r.chart === `${app}-${version}` && !isRollback(r) && (r.status === "deployed" || r.status === "superseded"));
}

/**
 * Everything wrong with the final state of a release of `version` through `targets`: image and
 * chart published, no image or chart pushed twice (an untagged one is a tag that was moved), every
 * target running exactly one deploy of that version with the registry's digest, nothing pending,
 * no deploy lock left behind.
 */
export async function releaseProblems(
  p: RobustProject,
  version: string,
  targets: readonly ("staging" | "production")[],
  /** How many revisions deployed `version` on each target: more than 1 when a test went back to it on purpose. */
  deploys = 1,
): Promise<string[]> {
  const problems: string[] = [];
  const imageRepo = `apps/${p.app}`;
  const digest = await registryDigest(p, imageRepo, version);
  if (digest === undefined) problems.push(`image ${imageRepo}:${version} is not in the registry`);
  if ((await registryDigest(p, `charts/${p.app}`, version)) === undefined) problems.push(`chart ${p.app} ${version} is not in the registry`);
  for (const repository of [imageRepo, `charts/${p.app}`]) {
    const orphans = await untaggedArtifacts(p, repository);
    if (orphans.length > 0) problems.push(`${repository}: ${orphans.length} pushed artifact(s) no tag names any more (published twice): ${orphans.join(", ")}`);
  }
  for (const target of targets) {
    const namespace = p.namespaces[target];
    const revisions = await history(p, namespace);
    for (const r of revisions.filter((r) => r.status.startsWith("pending"))) problems.push(`${target}: revision ${r.revision} stuck in ${r.status}`);
    const last = revisions.at(-1);
    if (last?.chart !== `${p.app}-${version}` || last.status !== "deployed") problems.push(`${target}: last revision is ${last?.chart ?? "none"} (${last?.status ?? "-"}), not ${version} deployed`);
    const deployed = deploysOf(revisions, p.app, version).length;
    if (deployed !== deploys) problems.push(`${target}: ${deployed} revisions deployed ${version}, expected ${deploys}`);
    const image = await deployedImage(p, namespace);
    if (digest !== undefined && image !== `${p.registry.host}/${imageRepo}@${digest}`) problems.push(`${target}: runs ${image ?? "nothing"}, the registry has ${digest}`);
    for (const lease of await leftLeases(p, namespace)) problems.push(`${target}: deploy lock left behind: ${lease}`);
  }
  return problems;
}

/** Deploy locks (Leases) left in `namespace`: a finished run releases its own. */
export async function leftLeases(p: RobustProject, namespace: string): Promise<string[]> {
  const child = Bun.spawn(
    [p.helm.kubectl, "get", "leases", "-n", namespace, "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.holderIdentity}{\"\\n\"}{end}", "--kubeconfig", p.kube.kubeconfig, "--context", p.kube.context],
    { env: p.env, stdout: "pipe", stderr: "pipe" },
  );
  const [out] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  return out.split("\n").filter((l) => l.startsWith("harmony-deploy."));
}
