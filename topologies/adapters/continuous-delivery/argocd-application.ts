/**
 * The Argo CD Application (argoproj.io/v1alpha1) harmony manages for one release on one target,
 * built as plain data. Only the fields harmony reads or writes are typed; the rest of an
 * Application (and everything Argo CD adds) is kept untouched when we update it.
 */
import { HarmonyError, type ClusterTarget, type DeployRequest } from "../../../capabilities/index.ts";

export const GROUP = "argoproj.io";
export const VERSION = "v1alpha1";
export const PLURAL = "applications";

export interface ApplicationSource {
  repoURL: string;
  chart?: string;
  targetRevision: string;
  helm?: { releaseName?: string; valuesObject?: Record<string, unknown> };
}

export interface SyncOperation {
  initiatedBy?: { username?: string };
  info?: { name: string; value: string }[];
  sync?: { revision?: string; syncOptions?: string[] };
}

export interface Condition {
  type: string;
  message?: string;
}

export interface HistoryItem {
  id: number;
  revision?: string;
  deployedAt?: string;
  source?: ApplicationSource;
}

export interface Application {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: {
    project: string;
    source: ApplicationSource;
    destination: { server?: string; name?: string; namespace: string };
    syncPolicy?: { syncOptions?: string[] };
  };
  operation?: SyncOperation;
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string; message?: string };
    reconciledAt?: string;
    conditions?: Condition[];
    history?: HistoryItem[];
    resources?: { kind?: string; name?: string; namespace?: string; health?: { status?: string; message?: string } }[];
    operationState?: {
      operation?: SyncOperation;
      phase?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
      syncResult?: { revision?: string };
    };
  };
}

export interface ArgoSettings {
  /** Where Argo CD keeps its Applications. */
  readonly namespace: string;
  readonly project: string;
  readonly destinationServer: string;
}

/** One Application per release and target: both may share an Argo CD. */
export function applicationName(target: ClusterTarget): string {
  return `${target.releaseName}-${target.name}`.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").slice(0, 253);
}

/** Argo CD names a Helm OCI chart by repository and chart name: `oci://host/path/name` splits in two. */
export function ociSource(location: string): { repoURL: string; chart: string } {
  if (!location.startsWith("oci://")) {
    throw new HarmonyError("config", `Argo CD can only deploy charts from a registry, not ${location}`, {
      hint: "publish the chart to an OCI registry (helmRegistry adapter `registry` or `harbor`)",
    });
  }
  const path = location.slice("oci://".length);
  const slash = path.lastIndexOf("/");
  return { repoURL: path.slice(0, slash), chart: path.slice(slash + 1) };
}

export function sourceFor(request: DeployRequest, target: ClusterTarget): ApplicationSource {
  return {
    ...ociSource(request.chart.location),
    targetRevision: request.chart.version,
    helm: { releaseName: target.releaseName, valuesObject: { ...request.values } },
  };
}

const SYNC_OPTIONS = ["CreateNamespace=true"];

/** A sync request, as `argocd app sync` writes it into `.operation`. */
export function syncOperation(revision: string, reason: string): SyncOperation {
  return {
    initiatedBy: { username: "harmony" },
    info: [{ name: "Reason", value: reason }],
    sync: { revision, syncOptions: SYNC_OPTIONS },
  };
}

/** The Application as harmony wants it: `existing` (if any) with our spec and a sync requested. */
export function desiredApplication(existing: Application | undefined, target: ClusterTarget, settings: ArgoSettings, source: ApplicationSource, reason: string): Application {
  return {
    ...existing,
    apiVersion: `${GROUP}/${VERSION}`,
    kind: "Application",
    metadata: {
      ...existing?.metadata,
      name: applicationName(target),
      namespace: settings.namespace,
      labels: { ...existing?.metadata.labels, "app.kubernetes.io/managed-by": "harmony" },
    },
    spec: {
      ...existing?.spec,
      project: settings.project,
      source,
      destination: { server: settings.destinationServer, namespace: target.namespace },
      syncPolicy: { ...existing?.spec.syncPolicy, syncOptions: SYNC_OPTIONS },
    },
    operation: syncOperation(source.targetRevision, reason),
  };
}
