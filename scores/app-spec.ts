/**
 * AppSpec: pure data describing one releasable app. Loaded from harmony.yaml by cli/, with every
 * path already resolved to an absolute one. No behaviour lives here.
 */
import type { ImageConfig } from "../capabilities/index.ts";

export interface AppSpec {
  /** The tag prefix: `<app>-<component>`, DNS-label-safe. */
  readonly name: string;
  /** Absolute directory of the app's sources. */
  readonly projectRoot: string;
  readonly image: ImageSource;
  readonly chart: ChartSource;
  readonly smoke: readonly SmokeCheck[];
  /** Helm values per target name, merged over the chart's own values. */
  readonly values: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export type ImageSource = DockerfileSource | BuildableSource | FilesSource;

export interface DockerfileSource {
  readonly kind: "dockerfile";
  readonly dockerfile: string;
  readonly context: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly platforms: readonly string[];
}

/** A generator that emits a Dockerfile for a language or framework. */
export interface BuildableSource {
  readonly kind: "buildable";
  readonly generator: BuildableGenerator;
}

export type BuildableGenerator =
  | { readonly kind: "bun"; readonly entry: string; readonly port?: number }
  | { readonly kind: "static-site"; readonly dir: string; readonly port?: number }
  | { readonly kind: "rust-leptos"; readonly binary: string; readonly port?: number };

/** Files laid on a base image without a daemon (ko/jib style). */
export interface FilesSource {
  readonly kind: "files";
  readonly base: string;
  readonly files: readonly { readonly from: string; readonly to: string }[];
  readonly config: ImageConfig;
}

export type ChartSource = ChartDirectory | ChartBuilder;

export interface ChartDirectory {
  readonly kind: "directory";
  readonly path: string;
}

export interface ChartBuilder {
  readonly kind: "builder";
  readonly builder: WebappChartOptions | ChartModule;
}

/** The built-in `webapp` chart: a Deployment, a Service and an optional Ingress. */
export interface WebappChartOptions {
  readonly kind: "webapp";
  readonly port: number;
  readonly replicas: number;
  readonly hostNetwork: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly ingress?: { readonly host: string; readonly path: string };
  readonly resources?: {
    readonly requests?: { readonly cpu?: string; readonly memory?: string };
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
  };
  readonly probePath?: string;
}

/** A TypeScript module in the app's repository whose default export returns a chart. */
export interface ChartModule {
  readonly kind: "module";
  readonly path: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export type SmokeCheck = HttpSmokeCheck | JobSmokeCheck | HelmTestSmokeCheck;

export interface HttpSmokeCheck {
  readonly type: "http";
  /** May contain `{{baseUrl}}`, `{{namespace}}`, `{{version}}`. */
  readonly url: string;
  readonly status: number;
  readonly bodyMatches?: string;
  readonly json?: { readonly field: string; readonly equals: string };
  readonly timeoutSeconds: number;
  /** Targets this check runs against; empty means all. */
  readonly targets: readonly string[];
}

export interface JobSmokeCheck {
  readonly type: "job";
  readonly image: string;
  readonly command: readonly string[];
  readonly timeoutSeconds: number;
  readonly targets: readonly string[];
}

export interface HelmTestSmokeCheck {
  readonly type: "helm-test";
  readonly timeoutSeconds: number;
  readonly targets: readonly string[];
}
