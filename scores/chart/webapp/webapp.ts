/**
 * The built-in `webapp` chart: a Deployment, a ClusterIP Service and, when asked, an Ingress, built
 * from typed options. What a target may want to change (replicas, port, env, resources, the ingress
 * host and path, and the image harmony pins) is read from values, so per-target values in
 * harmony.yaml apply; the rest (hostNetwork, probes) is fixed by the options.
 *
 * With hostNetwork the probes go to 127.0.0.1: the pod shares the node's network namespace, and an
 * app listening on loopback only is still reachable by the kubelet there.
 */
import { stringify } from "yaml";
import type { WebappChartOptions } from "../../app-spec.ts";
import { textFile, type ChartFiles } from "../chart-files.ts";
import { Template, TemplateBlock, type Container, type Deployment, type Ingress, type Labels, type ObjectMeta, type Probe, type Service } from "./k8s.ts";
import { validateWebappOptions } from "./options.ts";
import { synthesize } from "./synth.ts";

const t = (text: string) => new Template(text);
const RELEASE = t("{{ .Release.Name }}");
const PORT = t("{{ .Values.port }}");

const SELECTOR: Labels = { "app.kubernetes.io/name": t("{{ .Chart.Name }}"), "app.kubernetes.io/instance": RELEASE };
const LABELS: Labels = {
  ...SELECTOR,
  // Label values cannot hold "+", which SemVer build metadata may.
  "app.kubernetes.io/version": t('{{ .Chart.AppVersion | replace "+" "_" | quote }}'),
  "app.kubernetes.io/managed-by": t("{{ .Release.Service }}"),
  "helm.sh/chart": t('{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | quote }}'),
};
const METADATA: ObjectMeta = { name: RELEASE, labels: LABELS };

const IMAGE = t('"{{ .Values.image.repository }}{{ if .Values.image.digest }}@{{ .Values.image.digest }}{{ else }}:{{ .Values.image.tag }}{{ end }}"');

const ENV = new TemplateBlock((indent) => {
  const pad = " ".repeat(indent);
  return [
    "{{- range $name, $value := .Values.env }}",
    `${pad}- name: {{ $name | quote }}`,
    `${pad}  value: {{ $value | quote }}`,
    "{{- end }}",
  ].join("\n").replace(/^/, "\n");
});
const RESOURCES = new TemplateBlock((indent) => `{{- toYaml .Values.resources | nindent ${indent} }}`);

function probes(options: WebappChartOptions): Pick<Container, "readinessProbe" | "livenessProbe"> {
  if (options.probePath === undefined) return {};
  const httpGet = { path: options.probePath, port: "http", ...(options.hostNetwork ? { host: "127.0.0.1" } : {}) };
  const readinessProbe: Probe = { httpGet, periodSeconds: 5, failureThreshold: 3 };
  const livenessProbe: Probe = { httpGet, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 };
  return { readinessProbe, livenessProbe };
}

function deployment(options: WebappChartOptions): Deployment {
  const container: Container = {
    name: "app",
    image: IMAGE,
    imagePullPolicy: "IfNotPresent", // pinned by digest: a cached copy is the same image
    ports: [{ name: "http", containerPort: PORT, protocol: "TCP" }],
    env: ENV,
    resources: RESOURCES,
    ...probes(options),
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: METADATA,
    spec: {
      replicas: t("{{ .Values.replicas }}"),
      selector: { matchLabels: SELECTOR },
      template: {
        metadata: { labels: LABELS },
        spec: { ...(options.hostNetwork ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}), containers: [container] },
      },
    },
  };
}

const SERVICE: Service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: METADATA,
  spec: { type: "ClusterIP", selector: SELECTOR, ports: [{ name: "http", port: PORT, targetPort: "http", protocol: "TCP" }] },
};

const INGRESS: Ingress = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: METADATA,
  spec: {
    rules: [
      {
        host: t("{{ .Values.ingress.host | quote }}"),
        http: { paths: [{ path: t("{{ .Values.ingress.path | quote }}"), pathType: "Prefix", backend: { service: { name: RELEASE, port: { number: PORT } } } }] },
      },
    ],
  },
};

function values(options: WebappChartOptions): string {
  const data = {
    image: { repository: "", tag: "", digest: "" },
    replicas: options.replicas,
    port: options.port,
    env: options.env,
    resources: options.resources ?? {},
    ...(options.ingress === undefined ? {} : { ingress: { enabled: true, ...options.ingress } }),
  };
  return `# Values of the webapp chart harmony built; per-target values in harmony.yaml are merged over these.\n# image is written by harmony at release time, pinned by digest.\n${stringify(data, { lineWidth: 0 })}`;
}

/** The chart's files for `app` at `version`, ready for the packager. */
export function webappChart(app: string, version: string, raw: WebappChartOptions): ChartFiles {
  const options = validateWebappOptions(app, raw);
  const chart = {
    apiVersion: "v2",
    name: app,
    description: `${app}, packaged by harmony's webapp chart builder`,
    type: "application",
    version,
    appVersion: version,
    kubeVersion: ">=1.20.0-0",
  };
  const files = [
    textFile("Chart.yaml", stringify(chart)),
    textFile("values.yaml", values(options)),
    textFile("templates/deployment.yaml", synthesize(deployment(options))),
    textFile("templates/service.yaml", synthesize(SERVICE)),
  ];
  if (options.ingress !== undefined) files.push(textFile("templates/ingress.yaml", synthesize(INGRESS, ".Values.ingress.enabled")));
  return { origin: `${app}: webapp chart builder`, from: "builder", files };
}
