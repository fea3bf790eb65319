// The built-in webapp chart: typed options validated, objects synthesised into templates whose
// tunables read values; rendered by real helm in tests/integration/chart/helm.test.ts.
import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { HarmonyError } from "../../../capabilities/index.ts";
import type { WebappChartOptions } from "../../../scores/app-spec.ts";
import { packageChart } from "../../../scores/chart/package.ts";
import { webappChart } from "../../../scores/chart/webapp/webapp.ts";
import { entryText, IMAGE } from "./read-archive.ts";

const BASE: WebappChartOptions = { kind: "webapp", port: 8080, replicas: 1, hostNetwork: false, env: {} };
const text = (options: WebappChartOptions, path: string) =>
  Buffer.from(webappChart("demo-api", "1.0.0", options).files.find((f) => f.path === path)!.data).toString();

function failure(options: object): HarmonyError {
  try {
    webappChart("demo-api", "1.0.0", options as WebappChartOptions);
  } catch (error) {
    if (error instanceof HarmonyError) return error;
    throw error;
  }
  throw new Error("expected a HarmonyError");
}

describe("webapp chart builder", () => {
  test("the minimal chart: Chart.yaml, values.yaml, a Deployment and a Service, no Ingress", () => {
    const chart = webappChart("demo-api", "1.0.0", BASE);
    expect(chart.files.map((f) => f.path)).toEqual(["Chart.yaml", "values.yaml", "templates/deployment.yaml", "templates/service.yaml"]);
    expect(parse(text(BASE, "Chart.yaml"))).toMatchObject({ apiVersion: "v2", name: "demo-api", version: "1.0.0", kubeVersion: ">=1.20.0-0" });
    expect(parse(text(BASE, "values.yaml"))).toEqual({ image: { repository: "", tag: "", digest: "" }, replicas: 1, port: 8080, env: {}, resources: {} });
  });

  test("templates use Kubernetes 1.20 API versions and read the tunables from values, unquoted", () => {
    const deployment = text(BASE, "templates/deployment.yaml");
    expect(deployment).toContain("apiVersion: apps/v1\nkind: Deployment\n");
    expect(deployment).toContain("  replicas: {{ .Values.replicas }}\n");
    expect(deployment).toContain("containerPort: {{ .Values.port }}\n");
    expect(deployment).toContain('image: "{{ .Values.image.repository }}{{ if .Values.image.digest }}@{{ .Values.image.digest }}');
    expect(deployment).toContain("resources: {{- toYaml .Values.resources | nindent 12 }}\n");
    expect(deployment).not.toContain("hostNetwork");
    expect(deployment).not.toContain("Probe");
    expect(text(BASE, "templates/service.yaml")).toContain("apiVersion: v1\nkind: Service\n");
  });

  test("probes on probePath; with hostNetwork they go to 127.0.0.1", () => {
    const plain = text({ ...BASE, probePath: "/healthz" }, "templates/deployment.yaml");
    expect(plain).toContain("readinessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n");
    expect(plain).toContain("livenessProbe:");
    expect(plain).not.toContain("host: 127.0.0.1");
    const host = text({ ...BASE, hostNetwork: true, probePath: "/healthz" }, "templates/deployment.yaml");
    expect(host).toContain("hostNetwork: true\n      dnsPolicy: ClusterFirstWithHostNet\n");
    expect(host).toContain("host: 127.0.0.1");
  });

  test("an ingress adds a networking.k8s.io/v1 Ingress that a target can switch off", () => {
    const options = { ...BASE, ingress: { host: "api.example.com", path: "/" } };
    const ingress = text(options, "templates/ingress.yaml");
    expect(ingress).toContain("{{- if .Values.ingress.enabled }}\napiVersion: networking.k8s.io/v1\nkind: Ingress\n");
    expect(ingress).toContain("- host: {{ .Values.ingress.host | quote }}");
    expect(parse(text(options, "values.yaml")).ingress).toEqual({ enabled: true, host: "api.example.com", path: "/" });
  });

  test("env and resources are values", () => {
    const options = { ...BASE, env: { LOG_LEVEL: "debug" }, resources: { limits: { memory: "128Mi" } } };
    expect(parse(text(options, "values.yaml"))).toMatchObject({ env: { LOG_LEVEL: "debug" }, resources: { limits: { memory: "128Mi" } } });
    expect(text(options, "templates/deployment.yaml")).toContain("{{- range $name, $value := .Values.env }}\n            - name: {{ $name | quote }}\n");
  });

  test("packaged like any chart: hydrated with the image, reproducible", async () => {
    const a = await packageChart(webappChart("demo-api", "1.0.0", BASE), { version: "1.0.0", image: IMAGE });
    const b = await packageChart(webappChart("demo-api", "1.0.0", BASE), { version: "1.0.0", image: IMAGE });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(parse(await entryText(a.bytes, "demo-api/values.yaml")).image.digest).toBe(IMAGE.ref.digest);
  });

  const invalid: [string, object, string][] = [
    ["port out of range", { port: 70000 }, "port: must be 1-65535"],
    ["fractional replicas", { replicas: 1.5 }, "replicas: must be an integer"],
    ["negative replicas", { replicas: -1 }, "replicas: must not be negative"],
    ["env name", { env: { "1 BAD": "x" } }, 'env.1 BAD: "1 BAD" is not a valid environment variable name'],
    ["ingress host", { ingress: { host: "API.example.com", path: "/" } }, 'ingress.host: "API.example.com" is not a DNS name'],
    ["ingress path", { ingress: { host: "a.example.com", path: "api" } }, "ingress.path: must be an absolute HTTP path"],
    ["quantity", { resources: { limits: { memory: "lots" } } }, 'resources.limits.memory: "lots" is not a Kubernetes quantity'],
    ["probe path", { probePath: "/health check" }, "probePath: must be an absolute HTTP path without spaces"],
    ["unknown option", { replica: 2 }, 'replica: unknown option'],
  ];
  for (const [what, change, message] of invalid) {
    test(`refuses a bad ${what}, naming the app and the option`, () => {
      const error = failure({ ...BASE, ...change });
      expect(error.kind).toBe("config");
      expect(error.message).toStartWith("demo-api: webapp chart option ");
      expect(error.message).toContain(message);
    });
  }
});
