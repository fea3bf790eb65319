// The OpenAPI validator against the real thing: the /openapi/v2 document of the world's
// Kubernetes 1.20 API server, with kubectl's own client-side validation (`apply --dry-run=client`,
// which on a 1.20 server validates against the same document) as the referee.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { manifestValidator, type ManifestValidator, type OpenApiV2 } from "../../../topologies/kube/openapi-validation.ts";
import { run, runOk, world, type KubePart } from "../../world/index.ts";
import { SLOW } from "./setup.ts";

const ready = () => world.available("kube");

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: busybox:1
          imagePullPolicy: IfNotPresent
          command: ["httpd", "-f", "-p", "8080"]
          env:
            - name: GREETING
              value: "hello"
            - name: POD
              valueFrom:
                fieldRef: { fieldPath: metadata.name }
          ports:
            - containerPort: 8080
              name: http
          resources:
            limits: { cpu: 1, memory: 64Mi }
            requests: { cpu: 100m }
          readinessProbe:
            httpGet: { path: /, port: 8080 }
          livenessProbe:
            httpGet: { path: /, port: http }
`;

const SERVICE = `
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports:
    - port: 80
      targetPort: http
      protocol: TCP
`;

const CONFIG_MAP = `
apiVersion: v1
kind: ConfigMap
metadata: { name: web }
data:
  greeting: hello
  port: "8080"
`;

type Obj = Record<string, unknown>;
const C = "spec.template.spec.containers[0]";

/** A fresh Deployment, changed by `edit` (which gets the object, its spec and its first container). */
function deployment(edit: (d: { root: Obj; spec: Obj; container: Obj }) => void = () => {}): Obj {
  const root = parse(DEPLOYMENT) as Obj;
  const spec = root.spec as Obj;
  const container = (((spec.template as Obj).spec as Obj).containers as Obj[])[0]!;
  edit({ root, spec, container });
  return root;
}

let kube: KubePart;
let validator: ManifestValidator;
const kubectl = (...args: string[]) => [kube.kubectl, "--kubeconfig", kube.kubeconfig, "--context", kube.context, ...args];

async function openApi(): Promise<{ raw: string; doc: OpenApiV2 }> {
  const raw = (await runOk(kubectl("get", "--raw", "/openapi/v2"))).stdout;
  return { raw, doc: JSON.parse(raw) as OpenApiV2 };
}

beforeAll(async () => {
  if (!ready()) return;
  kube = await world.kube();
  const { raw, doc } = await openApi();
  const [a, b] = [deployment(), deployment()];
  const t0 = performance.now();
  validator = manifestValidator(doc);
  const t1 = performance.now();
  const firstProblems = validator.validate(a);
  const t2 = performance.now();
  const N = 1000;
  for (let i = 0; i < N; i++) validator.validate(b);
  const each = (performance.now() - t2) / N;
  const p0 = performance.now();
  JSON.parse(raw);
  const parseMs = performance.now() - p0;
  console.log(
    `/openapi/v2: ${(raw.length / 1e6).toFixed(2)} MB, ${Object.keys(doc.definitions).length} definitions; JSON.parse ${parseMs.toFixed(1)} ms; ` +
      `manifestValidator() ${(t1 - t0).toFixed(2)} ms; first Deployment ${(t2 - t1).toFixed(3)} ms (${firstProblems.length} problems); ` +
      `warm ${(each * 1000).toFixed(1)} µs per Deployment (mean of ${N})`,
  );
}, SLOW);

/** kubectl's client-side verdict on `obj`: the cluster's own 1.20 and, when the helm part is here, helm 3's 1.31. */
async function kubectlVerdicts(obj: Obj): Promise<{ version: string; rejected: boolean; output: string }[]> {
  const bins: [string, string, string][] = [["1.20", kube.kubectl, "--validate=true"]];
  if (world.available("helm")) bins.push(["1.31", (await world.helm(3)).kubectl, "--validate=strict"]);
  return Promise.all(
    bins.map(async ([version, bin, flag]) => {
      const r = await run([bin, "--kubeconfig", kube.kubeconfig, "--context", kube.context, "apply", "--dry-run=client", flag, "-f", "-"], {
        stdin: JSON.stringify(obj),
      });
      return { version, rejected: r.code !== 0, output: (r.stdout + r.stderr).trim() };
    }),
  );
}

/** Ours must be exactly `expected`, and kubectl must reject exactly when we report something. */
async function agreeWithKubectl(v: ManifestValidator, cases: readonly (readonly [string, Obj, string[]])[]): Promise<void> {
  for (const [name, obj, expected] of cases) {
    const ours = v.validate(obj);
    for (const k of await kubectlVerdicts(obj)) {
      console.log(`[${name}] kubectl ${k.version}: ${k.output.replace(/; if you choose to ignore.*/, "")}\n[${name}] ours: ${JSON.stringify(ours)}`);
      expect({ name, kubectl: k.version, rejected: k.rejected }).toEqual({ name, kubectl: k.version, rejected: expected.length > 0 });
    }
    expect(ours).toEqual(expected);
  }
}

describe("manifestValidator against the /openapi/v2 of a real Kubernetes 1.20 API server", () => {
  test.skipIf(!ready())("a Deployment with a Quantity number, ports, env and both kinds of IntOrString probe port is valid", () => {
    expect(validator.validate(deployment())).toEqual([]);
  });

  test.skipIf(!ready())("a v1 Service and a v1 ConfigMap are valid", () => {
    expect(validator.validate(parse(SERVICE))).toEqual([]);
    expect(validator.validate(parse(CONFIG_MAP))).toEqual([]);
  });

  test.skipIf(!ready())("a misspelt container field is an unknown field at its full path", () => {
    expect(validator.validate(deployment(({ container }) => (container.imagePullPolicyy = "Always")))).toEqual([
      `${C}.imagePullPolicyy: unknown field "imagePullPolicyy" (io.k8s.api.core.v1.Container)`,
    ]);
  });

  test.skipIf(!ready())('replicas: "two" is a type problem (integer schema, string value)', () => {
    expect(validator.validate(deployment(({ spec }) => (spec.replicas = "two")))).toEqual(["spec.replicas: invalid type: expected integer, got string"]);
  });

  test.skipIf(!ready())("a container without a name is missing a required field", () => {
    expect(validator.validate(deployment(({ container }) => delete container.name))).toEqual([
      `${C}: missing required field "name" (io.k8s.api.core.v1.Container)`,
    ]);
  });

  test.skipIf(!ready())("a kind the server does not serve is left alone", () => {
    expect(validator.validate({ apiVersion: "example.com/v1", kind: "Widget", spec: { anything: 1 } })).toEqual([]);
  });

  test.skipIf(!ready())(
    "kubectl apply --dry-run=client rejects exactly the manifests we report problems for",
    async () => {
      await agreeWithKubectl(validator, [
        ["valid", deployment(), []],
        ["misspelt field", deployment(({ container }) => (container.imagePullPolicyy = "Always")), [`${C}.imagePullPolicyy: unknown field "imagePullPolicyy" (io.k8s.api.core.v1.Container)`]],
        ["top-level unknown field", deployment(({ root }) => (root.extra = 1)), ['extra: unknown field "extra" (io.k8s.api.apps.v1.Deployment)']],
        ["string replicas", deployment(({ spec }) => (spec.replicas = "two")), ["spec.replicas: invalid type: expected integer, got string"]],
        ["string containerPort", deployment(({ container }) => ((container.ports as Obj[])[0]!.containerPort = "8080")), [`${C}.ports[0].containerPort: invalid type: expected integer, got string`]],
        ["string boolean", deployment(({ spec }) => (spec.paused = "yes")), ["spec.paused: invalid type: expected boolean, got string"]],
        ["map for a list", deployment(({ spec }) => (((spec.template as Obj).spec as Obj).containers = { name: "web" })), ["spec.template.spec.containers: invalid type: expected array, got map"]],
        ["map for IntOrString", deployment(({ container }) => (((container.readinessProbe as Obj).httpGet as Obj).port = { n: 1 })), [`${C}.readinessProbe.httpGet.port: invalid type: expected string, got map`]],
        ["no container name", deployment(({ container }) => delete container.name), [`${C}: missing required field "name" (io.k8s.api.core.v1.Container)`]],
        ["null container name", deployment(({ container }) => (container.name = null)), [`${C}: missing required field "name" (io.k8s.api.core.v1.Container)`]],
        ["null label value", deployment(({ root }) => ((root.metadata as Obj).labels = { app: "web", b: null })), ["metadata.labels.b: invalid value: null"]],
        ["null list element", deployment(({ container }) => (container.command = ["httpd", null])), [`${C}.command[1]: invalid value: null`]],
        ["number for a string", deployment(({ container }) => (container.image = 5)), []],
        ["fraction for an integer", deployment(({ spec }) => (spec.replicas = 2.5)), []],
        ["null optional field", deployment(({ container }) => (container.image = null)), []],
      ]);
    },
    SLOW,
  );
});

const GROUP = "openapi-validation.harmony.test";
const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: {
                  size: { type: "integer" },
                  labels: { type: "object", additionalProperties: { type: "string" } },
                  config: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { known: { type: "string" } } },
                  port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
                  items: { type: "array", items: { type: "object", properties: { a: { type: "string" } } } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

describe("a CustomResourceDefinition's schema as the 1.20 server publishes it in /openapi/v2", () => {
  afterAll(async () => {
    if (ready()) await run(kubectl("delete", "crd", CRD.metadata.name, "--ignore-not-found", "--wait=false"));
  });

  test.skipIf(!ready())(
    "preserve-unknown-fields and int-or-string accept anything; other fields are checked, as kubectl does",
    async () => {
      await runOk(kubectl("apply", "-f", "-"), { stdin: JSON.stringify(CRD) });
      const key = (d: OpenApiV2) => Object.keys(d.definitions).find((n) => d.definitions[n]?.["x-kubernetes-group-version-kind"]?.some((g) => g.group === GROUP));
      let published: { doc: OpenApiV2; name: string } | undefined;
      for (let i = 0; i < 150 && published === undefined; i++) {
        const { doc } = await openApi();
        const name = key(doc);
        if (name !== undefined) published = { doc, name };
        else await Bun.sleep(200);
      }
      expect(published).toBeDefined();
      const { doc, name } = published!;
      const widget = (spec: Obj): Obj => ({ apiVersion: `${GROUP}/v1`, kind: "Widget", metadata: { name: "w", namespace: "default" }, spec });
      await agreeWithKubectl(manifestValidator(doc), [
        ["valid", widget({ size: 1, labels: { a: "b" }, config: { known: "x", other: { deep: [1] } }, port: "http", items: [{ a: "x" }] }), []],
        ["unknown spec field", widget({ size: 1, bogus: 1 }), [`spec.bogus: unknown field "bogus" (${name}.spec)`]],
        ["unknown field in a list item", widget({ size: 1, items: [{ a: "x", b: 1 }] }), [`spec.items[0].b: unknown field "b" (${name}.spec.items)`]],
        ["string size", widget({ size: "x" }), ["spec.size: invalid type: expected integer, got string"]],
        ["no size", widget({}), [`spec: missing required field "size" (${name}.spec)`]],
        ["wrong type under preserve-unknown-fields", widget({ size: 1, config: { known: { x: 1 } } }), []],
        ["map for int-or-string", widget({ size: 1, port: { a: 1 } }), []],
      ]);
    },
    SLOW,
  );
});
