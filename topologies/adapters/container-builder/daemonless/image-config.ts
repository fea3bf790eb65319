/**
 * The image config of a files-on-base image: the base's config with our layers appended and the
 * request's settings applied with Dockerfile semantics (ENV overrides by name, ENTRYPOINT resets
 * the base's CMD, LABELs merge). Pure, so the same inputs give the same bytes, and testable alone.
 */
import type { ImageConfig } from "../../../../capabilities/index.ts";

/** The parts of an OCI/Docker image config we read or write; everything else is carried over as is. */
export interface ConfigJson {
  created?: string;
  architecture?: string;
  os?: string;
  config?: RuntimeConfig;
  rootfs?: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
  [other: string]: unknown;
}

interface RuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  [other: string]: unknown;
}

interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface AddedLayer {
  readonly diffId: string;
  /** For `docker history`: what made the layer. */
  readonly createdBy: string;
}

export function derivedConfig(
  base: ConfigJson,
  request: ImageConfig,
  labels: Readonly<Record<string, string>>,
  layers: readonly AddedLayer[],
  created: string,
): ConfigJson {
  const runtime: RuntimeConfig = { ...(base.config ?? {}) };
  if (request.env !== undefined) runtime.Env = mergeEnv(runtime.Env ?? [], request.env);
  if (request.entrypoint !== undefined) {
    runtime.Entrypoint = [...request.entrypoint];
    // as in a Dockerfile: a new ENTRYPOINT drops the base's CMD unless a CMD is given too
    runtime.Cmd = request.cmd === undefined ? null : [...request.cmd];
  } else if (request.cmd !== undefined) {
    runtime.Cmd = [...request.cmd];
  }
  if (request.workdir !== undefined) runtime.WorkingDir = request.workdir;
  if (request.user !== undefined) runtime.User = request.user;
  if (request.ports !== undefined && request.ports.length > 0) {
    runtime.ExposedPorts = { ...(runtime.ExposedPorts ?? {}) };
    for (const port of request.ports) runtime.ExposedPorts[`${port}/tcp`] = {};
  }
  if (Object.keys(labels).length > 0) runtime.Labels = { ...(runtime.Labels ?? {}), ...labels };
  return {
    ...base,
    created,
    config: runtime,
    rootfs: { type: "layers", diff_ids: [...(base.rootfs?.diff_ids ?? []), ...layers.map((l) => l.diffId)] },
    history: [...(base.history ?? []), ...layers.map((l) => ({ created, created_by: l.createdBy, comment: "harmony daemonless" }))],
  };
}

function mergeEnv(base: readonly string[], set: Readonly<Record<string, string>>): string[] {
  const name = (line: string) => line.split("=", 1)[0]!;
  // replaced where they stand, like ENV; new names follow in a fixed order
  const out = base.map((line) => (name(line) in set ? `${name(line)}=${set[name(line)]}` : line));
  const present = new Set(base.map(name));
  for (const key of Object.keys(set).sort()) if (!present.has(key)) out.push(`${key}=${set[key]}`);
  return out;
}
