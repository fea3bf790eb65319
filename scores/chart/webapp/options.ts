/**
 * Validation of the webapp builder's options. harmony.yaml's schema checks their shape; this checks
 * what Kubernetes would otherwise reject at deploy time (env names, hosts, quantities), and also
 * guards options built in code rather than read from harmony.yaml.
 */
import * as v from "valibot";
import { HarmonyError } from "../../../capabilities/index.ts";
import type { WebappChartOptions } from "../../app-spec.ts";

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;
const HTTP_PATH = /^\/[^\s]*$/;

const quantity = v.pipe(v.string(), v.regex(QUANTITY, (i) => `${JSON.stringify(i.input)} is not a Kubernetes quantity (e.g. 250m, 0.5, 128Mi, 1Gi)`));
const amounts = v.strictObject({ cpu: v.optional(quantity), memory: v.optional(quantity) });
const path = v.pipe(v.string(), v.regex(HTTP_PATH, "must be an absolute HTTP path without spaces, e.g. /healthz"));

const webappSchema = v.strictObject({
  kind: v.literal("webapp"),
  port: v.pipe(v.number(), v.integer("must be an integer"), v.minValue(1, "must be 1-65535"), v.maxValue(65535, "must be 1-65535")),
  replicas: v.pipe(v.number(), v.integer("must be an integer"), v.minValue(0, "must not be negative")),
  hostNetwork: v.boolean(),
  env: v.record(
    v.pipe(v.string(), v.regex(ENV_NAME, (i) => `${JSON.stringify(i.input)} is not a valid environment variable name`)),
    v.string(),
  ),
  ingress: v.optional(
    v.strictObject({
      host: v.pipe(v.string(), v.maxLength(253, "must be at most 253 characters"), v.regex(HOST, (i) => `${JSON.stringify(i.input)} is not a DNS name (lowercase, e.g. app.example.com)`)),
      path,
    }),
  ),
  resources: v.optional(v.strictObject({ requests: v.optional(amounts), limits: v.optional(amounts) })),
  probePath: v.optional(path),
});

/** The options, checked; a problem names the app and the option. */
export function validateWebappOptions(app: string, options: WebappChartOptions): WebappChartOptions {
  const result = v.safeParse(webappSchema, options, { abortEarly: false });
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => {
    const at = (issue.path ?? []).map((p) => String(p.key)).join(".");
    const unknown = issue.type === "strict_object" && issue.expected === "never";
    return `${at === "" ? "(options)" : at}: ${unknown ? "unknown option" : issue.message}`;
  });
  throw new HarmonyError("config", `${app}: webapp chart option ${problems.join("; ")}`, {
    hint: "fix chart.builder in harmony.yaml",
  });
}
