import type { Preflight } from "./preflight.ts";
import type { WorkContext } from "./work-context.ts";

/** A packaged chart on disk, as `helm package` would leave it. */
export interface ChartPackage {
  readonly name: string;
  readonly version: string;
  readonly archivePath: string;
}

export interface PublishedChart {
  readonly name: string;
  readonly version: string;
  /** What a deployer installs from: `oci://host/path/name` or an archive path. */
  readonly location: string;
  readonly digest: string;
}

export interface HelmRegistry extends Preflight {
  readonly adapter: string;
  push(chart: ChartPackage, work: WorkContext): Promise<PublishedChart>;
  /** The published chart of that name and version, or undefined when absent. */
  resolve(name: string, version: string, work: WorkContext): Promise<PublishedChart | undefined>;
}
