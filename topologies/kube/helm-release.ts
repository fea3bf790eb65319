/**
 * Helm's release records, read straight from the cluster: helm 3 and 4 keep one Secret per
 * revision, `sh.helm.release.v1.<name>.v<revision>` (type helm.sh/release.v1, labels owner=helm,
 * name, status, version), whose `release` key is base64 of gzip of the release JSON — and the API
 * hands Secret data base64-encoded once more. Reading them directly gives status and history
 * without a helm process, and sees a release a killed client left pending.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { V1Secret } from "@kubernetes/client-node";
import type { Kube } from "./client.ts";

/** helm's release.Status values (pkg/release/status.go). */
export type HelmStatus =
  | "unknown"
  | "deployed"
  | "uninstalled"
  | "superseded"
  | "failed"
  | "uninstalling"
  | "pending-install"
  | "pending-upgrade"
  | "pending-rollback";

export const PENDING_STATUSES: readonly HelmStatus[] = ["pending-install", "pending-upgrade", "pending-rollback"];

/** The parts of helm's release JSON harmony reads. */
export interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
  readonly version: number;
  readonly info: {
    readonly status: HelmStatus;
    readonly first_deployed?: string;
    readonly last_deployed?: string;
    readonly description?: string;
  };
  readonly chart: { readonly metadata: { readonly name: string; readonly version: string; readonly appVersion?: string } };
  readonly manifest?: string;
  readonly config?: Record<string, unknown>;
}

/** One row of `helm history -o json`, with helm's field names. */
export interface HistoryEntry {
  readonly revision: number;
  readonly updated: string;
  readonly status: HelmStatus;
  readonly chart: string;
  readonly app_version: string;
  readonly description: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Decodes the `release` value of a helm release Secret (as the API returns it: base64). */
export function decodeReleaseData(apiValue: string): HelmRelease {
  const helmEncoded = Buffer.from(apiValue, "base64").toString("utf8");
  let raw = Buffer.from(helmEncoded, "base64");
  // helm gzips every record it writes, but its decoder accepts plain JSON too; so do we.
  if (raw[0] === GZIP_MAGIC[0] && raw[1] === GZIP_MAGIC[1]) raw = gunzipSync(raw);
  return JSON.parse(raw.toString("utf8")) as HelmRelease;
}

/** The inverse of decodeReleaseData, for writing a record (tests, repairs) the way helm does. */
export function encodeReleaseData(release: HelmRelease): string {
  const helmEncoded = gzipSync(Buffer.from(JSON.stringify(release))).toString("base64");
  return Buffer.from(helmEncoded).toString("base64");
}

export function secretName(release: string, revision: number): string {
  return `sh.helm.release.v1.${release}.v${revision}`;
}

/** Every revision of `release` in `namespace`, oldest first. */
export async function readReleases(kube: Kube, namespace: string, release: string): Promise<HelmRelease[]> {
  const list = await kube.core.listNamespacedSecret({ namespace, labelSelector: `owner=helm,name=${release}` });
  return list.items
    .filter((s: V1Secret) => s.type === "helm.sh/release.v1" && s.data?.release !== undefined)
    .map((s: V1Secret) => decodeReleaseData(s.data!.release!))
    .sort((a, b) => a.version - b.version);
}

/** The row `helm history` prints for a revision. */
export function historyEntry(release: HelmRelease): HistoryEntry {
  const meta = release.chart.metadata;
  return {
    revision: release.version,
    updated: release.info.last_deployed ?? "",
    status: release.info.status,
    chart: `${meta.name}-${meta.version}`,
    app_version: meta.appVersion ?? "",
    description: release.info.description ?? "",
  };
}

export function isPending(release: HelmRelease): boolean {
  return PENDING_STATUSES.includes(release.info.status);
}

/**
 * Rewrites one revision's status (in the record and in the Secret's `status` label, which helm's
 * queries select on), as helm does when an operation it runs fails.
 */
export async function setReleaseStatus(kube: Kube, release: HelmRelease, status: HelmStatus, description: string): Promise<void> {
  const name = secretName(release.name, release.version);
  const secret = await kube.core.readNamespacedSecret({ name, namespace: release.namespace });
  const record = decodeReleaseData(secret.data?.release ?? "");
  const updated = { ...record, info: { ...record.info, status, description } };
  secret.data = { ...secret.data, release: encodeReleaseData(updated) };
  secret.metadata = { ...secret.metadata, labels: { ...secret.metadata?.labels, status } };
  await kube.core.replaceNamespacedSecret({ name, namespace: release.namespace, body: secret });
}
