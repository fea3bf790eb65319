/**
 * Client-side validation of manifests against a cluster's OpenAPI v2 document (`/openapi/v2`),
 * with the semantics kubectl and helm use on clusters without server-side field validation
 * (k8s.io/kube-openapi pkg/util/proto/validation). helm spends ~170 ms per call parsing that
 * document; harmony fetches it once, validates here and passes `--disable-openapi-validation`.
 * Hand-written because a JSON-schema compiler would take hundreds of ms on 3.7 MB and lacks
 * kubectl's leniencies (a number for a string, null fields, unknown kinds skipped).
 */

/** The parts of an OpenAPI v2 document we read. */
export interface OpenApiV2 {
  readonly definitions: Readonly<Record<string, SchemaNode>>;
}

export interface SchemaNode {
  type?: string;
  format?: string;
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
  allOf?: SchemaNode[];
}

/** A validator built once per document: finds each kind's definition through x-kubernetes-group-version-kind. */
export interface ManifestValidator {
  /**
   * Problems with one object (parsed YAML/JSON), each `path: message`, e.g.
   * `spec.template.spec.containers[0].imagePullPolicyy: unknown field "imagePullPolicyy" (io.k8s.api.core.v1.Container)`.
   * Empty when valid, and empty for kinds the document does not know (CRDs installed by the
   * same chart; the server decides).
   */
  validate(object: unknown): string[];
}

type Definitions = Readonly<Record<string, SchemaNode>>;
type DataMap = Record<string, unknown>;

const REF_PREFIX = "#/definitions/";
/** $ref chains never descend into the data, so a cyclic chain would loop: give up after this many hops. */
const MAX_REF_HOPS = 16;

export function manifestValidator(doc: OpenApiV2): ManifestValidator {
  const defs = doc.definitions;
  const kinds = indexKinds(defs);
  const validateAt = (object: unknown, at: At): void => {
    if (!isMap(object) || typeof object.apiVersion !== "string" || typeof object.kind !== "string") return problem(at, "apiVersion/kind missing");
    // kubectl validates each item of a v1 List on its own (helm flattens Lists the same way).
    if (object.apiVersion === "v1" && object.kind === "List" && Array.isArray(object.items)) {
      return object.items.forEach((item, i) => validateAt(item, field(at, `items[${i}]`)));
    }
    const name = kinds.get(gvkKey(object.apiVersion, object.kind));
    if (name === undefined) return; // a CRD installed by the same chart: the server decides
    check({ $ref: REF_PREFIX + name }, object, { ...at, def: name });
  };
  return {
    validate(object) {
      const out: string[] = [];
      validateAt(object, { path: "", def: "", defs, out });
      return out;
    },
  };
}

/** `group/version/kind` → definition name. Reads only the top level of each definition (no copy). */
function indexKinds(defs: Definitions): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const name of Object.keys(defs)) {
    for (const gvk of defs[name]?.["x-kubernetes-group-version-kind"] ?? []) {
      kinds.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
    }
  }
  return kinds;
}

/** `v1` is the core group ""; `apps/v1` is group apps. */
function gvkKey(apiVersion: string, kind: string): string {
  return apiVersion.includes("/") ? `${apiVersion}/${kind}` : `/${apiVersion}/${kind}`;
}

/** Where the walk is: the data path, the schema's place (named in messages, as kubectl does) and the sink. */
interface At {
  readonly path: string;
  /** The definition, then the property names of inline schemas below it: `com.example.v1.Widget.spec`. */
  readonly def: string;
  readonly defs: Definitions;
  readonly out: string[];
}

function check(schema: SchemaNode, value: unknown, at: At): void {
  const resolved = resolve(schema, at);
  if (resolved === undefined) return;
  const [node, here] = resolved;
  if (node["x-kubernetes-preserve-unknown-fields"] === true) return;
  // kube-openapi decides by `type` first; without one, `properties` make an object and
  // anything else (RawExtension, JSON) is an arbitrary value.
  switch (node.type) {
    case "object":
      return checkObject(node, value, here);
    case "array":
      return checkArray(node, value, here);
    case undefined:
    case "":
      if (node.properties !== undefined) checkObject(node, value, here);
      return;
    default:
      return checkPrimitive(node.type, value, here);
  }
}

/**
 * Follows $ref (and a lone allOf member, the wrapper some generators put around a $ref) to the
 * schema that describes the value. Undefined means "accept anything": a dangling reference or a
 * cycle is the document's problem, not the manifest's.
 */
function resolve(schema: SchemaNode, at: At): [SchemaNode, At] | undefined {
  let node = schema;
  let here = at;
  for (let hops = 0; hops < MAX_REF_HOPS; hops++) {
    if (node.$ref !== undefined) {
      const name = node.$ref.startsWith(REF_PREFIX) ? node.$ref.slice(REF_PREFIX.length) : "";
      const target = Object.hasOwn(at.defs, name) ? at.defs[name] : undefined;
      if (target === undefined) return undefined;
      node = target;
      here = { ...at, def: name };
    } else if (node.allOf?.length === 1 && node.type === undefined && node.properties === undefined) {
      node = node.allOf[0]!;
    } else {
      return [node, here];
    }
  }
  return undefined;
}

function checkObject(node: SchemaNode, value: unknown, at: At): void {
  if (!isMap(value)) return problem(at, `invalid type: expected map, got ${kindOf(value)}`);
  const props = node.properties;
  const extra = node.additionalProperties;
  if (props === undefined) return checkMapValues(extra, value, at);
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === null || v === undefined) continue; // kubectl skips null fields: they mean "unset"
    const known = Object.hasOwn(props, key) ? props[key] : undefined;
    if (known !== undefined) check(known, v, field(at, key, `${at.def}.${key}`));
    else if (typeof extra === "object") check(extra, v, field(at, key));
    else if (extra !== true) problem(field(at, key), `unknown field "${key}" (${at.def})`);
  }
  for (const name of node.required ?? []) {
    if (value[name] === undefined || value[name] === null) problem(at, `missing required field "${name}" (${at.def})`);
  }
}

/** A map (`type: object`, no properties): every value against additionalProperties; null values are errors, as in kubectl. */
function checkMapValues(extra: SchemaNode | boolean | undefined, value: DataMap, at: At): void {
  if (typeof extra !== "object") return; // no value schema: anything goes
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === null || v === undefined) problem(field(at, key), "invalid value: null");
    else check(extra, v, field(at, key));
  }
}

function checkArray(node: SchemaNode, value: unknown, at: At): void {
  if (!Array.isArray(value)) return problem(at, `invalid type: expected array, got ${kindOf(value)}`);
  if (node.items === undefined) return;
  for (let i = 0; i < value.length; i++) {
    const here = { ...at, path: `${at.path}[${i}]` };
    if (value[i] === null || value[i] === undefined) problem(here, "invalid value: null"); // kubectl rejects a null list element
    else check(node.items, value[i], here);
  }
}

/** What kube-openapi accepts for each primitive type; `string` takes any primitive (`cpu: 1`). */
const ACCEPTS: ReadonlyMap<string, readonly string[]> = new Map([
  ["string", ["string", "integer", "number", "boolean"]],
  ["integer", ["integer", "number"]],
  ["number", ["integer", "number"]],
  ["boolean", ["boolean"]],
]);

function checkPrimitive(type: string, value: unknown, at: At): void {
  const accepted = ACCEPTS.get(type);
  if (accepted === undefined) return; // a type kube-openapi does not know: not ours to reject
  const kind = kindOf(value);
  if (!accepted.includes(kind)) problem(at, `invalid type: expected ${type}, got ${kind}`);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) ? "integer" : "number";
    case "bigint":
      return "integer";
    case "object":
      return "map";
    default:
      return typeof value; // string, boolean (and anything odd, which no type accepts)
  }
}

function isMap(value: unknown): value is DataMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `key`; `def` stays for map values and list items, whose schema kubectl names after the map or list. */
function field(at: At, key: string, def = at.def): At {
  return { ...at, path: at.path === "" ? key : `${at.path}.${key}`, def };
}

function problem(at: At, message: string): void {
  at.out.push(at.path === "" ? message : `${at.path}: ${message}`);
}
