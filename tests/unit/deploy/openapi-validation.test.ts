import { describe, expect, test } from "bun:test";
import { manifestValidator, type OpenApiV2, type SchemaNode } from "../../../topologies/kube/openapi-validation.ts";

// A miniature of a cluster's /openapi/v2: the shapes that matter, named the way the real one names them.
const ref = (name: string): SchemaNode => ({ $ref: `#/definitions/${name}` });
const str: SchemaNode = { type: "string" };
const gvk = (group: string, version: string, kind: string) => [{ group, version, kind }];

const doc: OpenApiV2 = {
  definitions: {
    "t.apps.v1.Deployment": {
      type: "object",
      properties: { apiVersion: str, kind: str, metadata: ref("t.meta.v1.ObjectMeta"), spec: ref("t.apps.v1.DeploymentSpec") },
      "x-kubernetes-group-version-kind": gvk("apps", "v1", "Deployment"),
    },
    "t.apps.v1.DeploymentSpec": {
      // No `type`: older servers publish structs with properties only.
      properties: { replicas: { type: "integer", format: "int32" }, paused: { type: "boolean" }, template: ref("t.core.v1.PodTemplateSpec") },
      required: ["template"],
    },
    "t.meta.v1.ObjectMeta": {
      type: "object",
      properties: { name: str, labels: { type: "object", additionalProperties: str }, annotations: { type: "object", additionalProperties: str } },
    },
    "t.core.v1.PodTemplateSpec": { type: "object", properties: { metadata: ref("t.meta.v1.ObjectMeta"), spec: ref("t.core.v1.PodSpec") } },
    "t.core.v1.PodSpec": { type: "object", properties: { containers: { type: "array", items: ref("t.core.v1.Container") } }, required: ["containers"] },
    "t.core.v1.Container": {
      type: "object",
      properties: {
        name: str,
        image: str,
        imagePullPolicy: str,
        args: { type: "array", items: str },
        ports: { type: "array", items: ref("t.core.v1.ContainerPort") },
        resources: ref("t.core.v1.ResourceRequirements"),
        readinessProbe: ref("t.core.v1.Probe"),
        weight: { type: "number" },
      },
      required: ["name"],
    },
    "t.core.v1.ContainerPort": { type: "object", properties: { containerPort: { type: "integer" }, name: str }, required: ["containerPort"] },
    "t.core.v1.ResourceRequirements": { type: "object", properties: { limits: { type: "object", additionalProperties: ref("t.api.resource.Quantity") } } },
    "t.api.resource.Quantity": { type: "string" },
    "t.core.v1.Probe": { type: "object", properties: { httpGet: ref("t.core.v1.HTTPGetAction") } },
    "t.core.v1.HTTPGetAction": { type: "object", properties: { path: str, port: ref("t.util.intstr.IntOrString") }, required: ["port"] },
    "t.util.intstr.IntOrString": { type: "string", format: "int-or-string" },
    "t.core.v1.ConfigMap": {
      type: "object",
      properties: { apiVersion: str, kind: str, metadata: ref("t.meta.v1.ObjectMeta"), data: { type: "object", additionalProperties: str } },
      // One definition may serve several group/versions.
      "x-kubernetes-group-version-kind": [...gvk("", "v1", "ConfigMap"), ...gvk("", "v1beta1", "ConfigMap")],
    },
    "t.example.v1.Widget": {
      type: "object",
      properties: {
        apiVersion: str,
        kind: str,
        spec: {
          type: "object",
          properties: {
            config: { type: "object", properties: { known: str }, "x-kubernetes-preserve-unknown-fields": true },
            raw: ref("t.runtime.RawExtension"),
            loop: ref("t.Loop"),
            wrapped: { allOf: [ref("t.core.v1.ContainerPort")] },
            open: { type: "object", properties: { a: str }, additionalProperties: { type: "integer" } },
            odd: { type: "toString" }, // a type kube-openapi does not know (and an Object.prototype name)
          },
        },
      },
      "x-kubernetes-group-version-kind": gvk("example.com", "v1", "Widget"),
    },
    "t.runtime.RawExtension": { description: "anything" } as SchemaNode,
    "t.Loop": ref("t.Loop2"),
    "t.Loop2": ref("t.Loop"),
  },
};

const validator = manifestValidator(doc);

function deployment(container: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 2,
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "web",
              image: "busybox:1",
              args: ["httpd", "-f"],
              ports: [{ containerPort: 8080, name: "http" }],
              resources: { limits: { cpu: 1, memory: "64Mi" } },
              readinessProbe: { httpGet: { path: "/", port: 8080 } },
              ...container,
            },
          ],
        },
      },
      ...spec,
    },
  };
}

const C = "spec.template.spec.containers[0]";

describe("manifestValidator (kubectl client-side validation semantics)", () => {
  test("a valid Deployment has no problems", () => {
    expect(validator.validate(deployment())).toEqual([]);
    expect(validator.validate(deployment({ readinessProbe: { httpGet: { port: "http" } } }))).toEqual([]);
  });

  test("an unknown field is reported with its full path and the definition it is not in", () => {
    expect(validator.validate(deployment({ imagePullPolicyy: "Always" }))).toEqual([
      `${C}.imagePullPolicyy: unknown field "imagePullPolicyy" (t.core.v1.Container)`,
    ]);
    expect(validator.validate({ ...deployment(), extra: 1 })).toEqual(['extra: unknown field "extra" (t.apps.v1.Deployment)']);
    expect(validator.validate(deployment({ ports: [{ containerPort: 1 }, { containerPort: 2, hostPot: 3 }] }))).toEqual([
      `${C}.ports[1].hostPot: unknown field "hostPot" (t.core.v1.ContainerPort)`,
    ]);
  });

  test("names that are also Object.prototype members are unknown fields, not schema lookups", () => {
    expect(validator.validate(deployment({ constructor: "x", toString: "y" }))).toEqual([
      `${C}.constructor: unknown field "constructor" (t.core.v1.Container)`,
      `${C}.toString: unknown field "toString" (t.core.v1.Container)`,
    ]);
  });

  test("wrong types: a map for a string, a string for an integer, an array for an object, a scalar for an array", () => {
    expect(validator.validate(deployment({ image: { name: "busybox" } }))).toEqual([`${C}.image: invalid type: expected string, got map`]);
    expect(validator.validate(deployment({}, { replicas: "two" }))).toEqual(["spec.replicas: invalid type: expected integer, got string"]);
    expect(validator.validate(deployment({}, { template: [] }))).toEqual(["spec.template: invalid type: expected map, got array"]);
    expect(validator.validate(deployment({ args: "httpd -f" }))).toEqual([`${C}.args: invalid type: expected array, got string`]);
    expect(validator.validate(deployment({ args: [["httpd"]] }))).toEqual([`${C}.args[0]: invalid type: expected string, got array`]);
    expect(validator.validate(deployment({}, { paused: "yes" }))).toEqual(["spec.paused: invalid type: expected boolean, got string"]);
    expect(validator.validate(deployment({ resources: "small" }))).toEqual([`${C}.resources: invalid type: expected map, got string`]);
  });

  test("missing required fields, at the path of the object that lacks them", () => {
    const noName = deployment({ name: undefined });
    expect(validator.validate(noName)).toEqual([`${C}: missing required field "name" (t.core.v1.Container)`]);
    expect(validator.validate(deployment({ name: null }))).toEqual([`${C}: missing required field "name" (t.core.v1.Container)`]);
    expect(validator.validate(deployment({ readinessProbe: { httpGet: { path: "/" } } }))).toEqual([
      `${C}.readinessProbe.httpGet: missing required field "port" (t.core.v1.HTTPGetAction)`,
    ]);
    expect(validator.validate({ apiVersion: "apps/v1", kind: "Deployment", spec: {} })).toEqual(['spec: missing required field "template" (t.apps.v1.DeploymentSpec)']);
  });

  test("a field set to null is accepted (it means unset), whatever its schema", () => {
    expect(validator.validate(deployment({ image: null, ports: null, resources: null }, { replicas: null }))).toEqual([]);
    expect(validator.validate({ apiVersion: "apps/v1", kind: "Deployment", metadata: null, spec: null })).toEqual([]);
  });

  test("null as a map value or a list element is rejected, as kubectl does", () => {
    expect(validator.validate(deployment({ args: ["a", null] }))).toEqual([`${C}.args[1]: invalid value: null`]);
    expect(validator.validate({ apiVersion: "v1", kind: "ConfigMap", data: { a: "1", b: null } })).toEqual(["data.b: invalid value: null"]);
  });

  test("a string schema accepts any primitive; integer and number accept any number; IntOrString takes both", () => {
    expect(validator.validate(deployment({ image: 5, imagePullPolicy: true, resources: { limits: { cpu: 0.5, memory: 1e9 } } }))).toEqual([]);
    expect(validator.validate(deployment({ weight: 3 }, { replicas: 2.5 }))).toEqual([]);
    expect(validator.validate(deployment({ readinessProbe: { httpGet: { port: "http" } } }))).toEqual([]);
    expect(validator.validate(deployment({ readinessProbe: { httpGet: { port: { number: 80 } } } }))).toEqual([
      `${C}.readinessProbe.httpGet.port: invalid type: expected string, got map`,
    ]);
    expect(validator.validate(deployment({ weight: "heavy" }))).toEqual([`${C}.weight: invalid type: expected number, got string`]);
  });

  test("additionalProperties validates each value of a map", () => {
    expect(validator.validate(deployment({ resources: { limits: { cpu: { cores: 1 } } } }))).toEqual([
      `${C}.resources.limits.cpu: invalid type: expected string, got map`,
    ]);
    expect(validator.validate({ apiVersion: "v1", kind: "ConfigMap", metadata: { labels: { a: ["x"] } } })).toEqual(["metadata.labels.a: invalid type: expected string, got array"]);
  });

  test("properties with additionalProperties: unknown keys are checked against it instead of rejected", () => {
    const widget = (open: Record<string, unknown>) => ({ apiVersion: "example.com/v1", kind: "Widget", spec: { open } });
    expect(validator.validate(widget({ a: "x", b: 1, c: 2 }))).toEqual([]);
    expect(validator.validate(widget({ b: "one" }))).toEqual(["spec.open.b: invalid type: expected integer, got string"]);
  });

  test("x-kubernetes-preserve-unknown-fields and schema-less definitions (RawExtension) accept anything below", () => {
    const widget = (spec: Record<string, unknown>) => ({ apiVersion: "example.com/v1", kind: "Widget", spec });
    expect(validator.validate(widget({ config: { known: "x", anything: { deep: [1, null, { x: true }] } } }))).toEqual([]);
    expect(validator.validate(widget({ raw: { kind: "Whatever", list: [1, "two"] } }))).toEqual([]);
    expect(validator.validate(widget({ raw: "text" }))).toEqual([]);
    expect(validator.validate(widget({ odd: { any: 1 } }))).toEqual([]);
    expect(validator.validate(widget({ unknown: 1 }))).toEqual(['spec.unknown: unknown field "unknown" (t.example.v1.Widget.spec)']);
  });

  test("a $ref cycle in the document ends (accepting the value) instead of looping", () => {
    expect(validator.validate({ apiVersion: "example.com/v1", kind: "Widget", spec: { loop: { a: 1 } } })).toEqual([]);
  });

  test("a lone allOf member stands for the schema it wraps", () => {
    expect(validator.validate({ apiVersion: "example.com/v1", kind: "Widget", spec: { wrapped: { containerPort: 1, x: 2 } } })).toEqual([
      'spec.wrapped.x: unknown field "x" (t.core.v1.ContainerPort)',
    ]);
  });

  test("kinds are found by group/version/kind: v1 is the core group, and a definition may list several", () => {
    expect(validator.validate({ apiVersion: "v1", kind: "ConfigMap", data: { a: "1" }, bogus: 1 })).toEqual(['bogus: unknown field "bogus" (t.core.v1.ConfigMap)']);
    expect(validator.validate({ apiVersion: "v1beta1", kind: "ConfigMap", bogus: 1 })).toEqual(['bogus: unknown field "bogus" (t.core.v1.ConfigMap)']);
  });

  test("a kind the document does not know (a CRD from the same chart) is left to the server", () => {
    expect(validator.validate({ apiVersion: "example.com/v1", kind: "Gadget", spec: { anything: true } })).toEqual([]);
    expect(validator.validate({ apiVersion: "apps/v2", kind: "Deployment", spec: "x" })).toEqual([]);
    expect(validator.validate({ apiVersion: "extensions/v1", kind: "Deployment", spec: "x" })).toEqual([]);
  });

  test("an object without a string apiVersion and kind is one problem", () => {
    const missing = ["apiVersion/kind missing"];
    expect(validator.validate({ kind: "Deployment", spec: {} })).toEqual(missing);
    expect(validator.validate({ apiVersion: "apps/v1", spec: {} })).toEqual(missing);
    expect(validator.validate({ apiVersion: 1, kind: "Deployment" })).toEqual(missing);
    expect(validator.validate(null)).toEqual(missing);
    expect(validator.validate("kind: Deployment")).toEqual(missing);
    expect(validator.validate([deployment()])).toEqual(missing);
  });

  test("each item of a v1 List is validated on its own, under items[i]", () => {
    const list = { apiVersion: "v1", kind: "List", items: [deployment(), deployment({ imagePullPolicyy: "Always" }), { kind: "ConfigMap" }] };
    expect(validator.validate(list)).toEqual([
      `items[1].${C}.imagePullPolicyy: unknown field "imagePullPolicyy" (t.core.v1.Container)`,
      "items[2]: apiVersion/kind missing",
    ]);
  });

  test("problems from several places are all reported", () => {
    const problems = validator.validate(deployment({ name: undefined, image: [], bogus: 1 }, { replicas: "x" }));
    expect(problems).toHaveLength(4);
    expect(problems).toContain("spec.replicas: invalid type: expected integer, got string");
    expect(problems).toContain(`${C}.image: invalid type: expected string, got array`);
    expect(problems).toContain(`${C}.bogus: unknown field "bogus" (t.core.v1.Container)`);
    expect(problems).toContain(`${C}: missing required field "name" (t.core.v1.Container)`);
  });

  test("the document is read, never copied or changed: a deeply frozen one works", () => {
    const freeze = (v: unknown): void => {
      if (typeof v === "object" && v !== null) {
        Object.freeze(v);
        Object.values(v).forEach(freeze);
      }
    };
    const frozen = structuredClone(doc);
    freeze(frozen);
    expect(manifestValidator(frozen).validate(deployment({ imagePullPolicyy: "x" }))).toHaveLength(1);
  });
});
