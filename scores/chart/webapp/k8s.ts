/**
 * The few Kubernetes objects the webapp chart is made of, as readonly typed props (cdk8s style),
 * limited to API versions Kubernetes 1.20 serves: apps/v1, v1, networking.k8s.io/v1. A field that
 * should follow the release's values holds a Template instead of a literal, so the types say which
 * fields a target can override.
 */

/** A Go-template expression written, unquoted, where a YAML scalar goes: `{{ .Values.port }}`. */
export class Template {
  constructor(readonly text: string) {}
}

/** Template text standing for a whole YAML value; given the column the value's children start at. */
export class TemplateBlock {
  constructor(readonly render: (indent: number) => string) {}
}

export type Templated<V> = V | Template;
export type Labels = Readonly<Record<string, Templated<string>>>;

export interface ObjectMeta {
  readonly name: Templated<string>;
  readonly labels: Labels;
}

export interface ContainerPort {
  readonly name: string;
  readonly containerPort: Templated<number>;
  readonly protocol: "TCP" | "UDP";
}

export interface Probe {
  /** `host` is set only for hostNetwork pods, whose app may listen on loopback only. */
  readonly httpGet: { readonly path: string; readonly port: string; readonly host?: string };
  readonly initialDelaySeconds?: number;
  readonly periodSeconds: number;
  readonly failureThreshold: number;
}

export interface Container {
  readonly name: string;
  readonly image: Template;
  readonly imagePullPolicy: "IfNotPresent" | "Always";
  readonly ports: readonly ContainerPort[];
  readonly env: TemplateBlock;
  readonly resources: TemplateBlock;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
}

export interface PodSpec {
  readonly hostNetwork?: true;
  /** With hostNetwork the default DNS policy would skip cluster DNS; this keeps it. */
  readonly dnsPolicy?: "ClusterFirstWithHostNet";
  readonly containers: readonly Container[];
}

export interface Deployment {
  readonly apiVersion: "apps/v1";
  readonly kind: "Deployment";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly replicas: Templated<number>;
    readonly selector: { readonly matchLabels: Labels };
    readonly template: { readonly metadata: { readonly labels: Labels }; readonly spec: PodSpec };
  };
}

export interface Service {
  readonly apiVersion: "v1";
  readonly kind: "Service";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly type: "ClusterIP";
    readonly selector: Labels;
    readonly ports: readonly { readonly name: string; readonly port: Templated<number>; readonly targetPort: string; readonly protocol: "TCP" }[];
  };
}

export interface IngressPath {
  readonly path: Templated<string>;
  readonly pathType: "Prefix" | "Exact";
  readonly backend: { readonly service: { readonly name: Templated<string>; readonly port: { readonly number: Templated<number> } } };
}

export interface Ingress {
  readonly apiVersion: "networking.k8s.io/v1";
  readonly kind: "Ingress";
  readonly metadata: ObjectMeta;
  readonly spec: { readonly rules: readonly { readonly host: Templated<string>; readonly http: { readonly paths: readonly IngressPath[] } }[] };
}

export type ApiObject = Deployment | Service | Ingress;
