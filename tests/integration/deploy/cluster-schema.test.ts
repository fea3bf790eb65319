// The cluster's schema as the deploy check reads it from the world's real API server: version, API
// versions and an OpenAPI validator, with the document kept on disk and revalidated by ETag.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectKube, type Kube } from "../../../topologies/kube/client.ts";
import { clusterSchema, serverValidatesFields } from "../../../topologies/kube/cluster-schema.ts";
import { world } from "../../world/index.ts";
import { SLOW } from "./setup.ts";

const ready = world.available("kube");
const cache = mkdtempSync(join(tmpdir(), "harmony-schema-cache-"));
const env = { XDG_CACHE_HOME: cache };
let kube: Kube;

const badDeployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: {
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "busybox", imagePullPolicyy: "Always" }] } },
  },
};

beforeAll(async () => {
  if (!ready) return;
  const w = await world.kube();
  kube = await connectKube({ kubeconfig: w.kubeconfig, context: w.context }, {});
}, SLOW);

afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe.skipIf(!ready)("clusterSchema (real Kubernetes 1.20 API server)", () => {
  test("reads version and API versions; 1.20 does not validate fields itself, so a validator is built", async () => {
    const schema = await clusterSchema(kube, env);
    expect(schema.gitVersion).toStartWith("v1.20.");
    expect(schema.apiVersions).toContain("v1");
    expect(schema.apiVersions).toContain("apps/v1");
    expect(schema.validator).toBeDefined();
    expect((await schema.validator)!.validate(badDeployment)).toEqual([expect.stringContaining('spec.template.spec.containers[0].imagePullPolicyy: unknown field "imagePullPolicyy"')]);
  });

  test("the document is kept on disk with its ETag; a 304 answer is served from that copy", async () => {
    const dir = join(cache, "harmony", "openapi");
    const files = readdirSync(dir);
    const doc = files.find((f) => f.endsWith(".json"))!;
    expect(files).toContain(`${doc}.etag`);
    expect(readFileSync(join(dir, `${doc}.etag`), "utf8").length).toBeGreaterThan(0);
    // Swap the kept copy for one that knows no kinds: if the server answers 304, the check uses it.
    writeFileSync(join(dir, doc), JSON.stringify({ definitions: {} }));
    const fromCache = await clusterSchema(kube, env);
    expect((await fromCache.validator)!.validate(badDeployment)).toEqual([]);
    // A stale ETag gets the full document again, and the copy on disk is replaced.
    writeFileSync(join(dir, `${doc}.etag`), '"stale"');
    const fresh = await clusterSchema(kube, env);
    expect((await fresh.validator)!.validate(badDeployment)).toHaveLength(1);
    const kept = readFileSync(join(dir, doc), "utf8");
    expect(JSON.parse(kept).definitions["io.k8s.api.apps.v1.Deployment"]).toBeDefined();
    // Kept without its prose: the part of the document every later run parses.
    expect(kept).not.toContain('"description":"');
    console.log(`kept OpenAPI document: ${(kept.length / 1e6).toFixed(2)} MB`);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]); // written through renames
  });
});

describe("serverValidatesFields", () => {
  test("from Kubernetes 1.27 (fieldValidation GA), including provider suffixes like 27+", () => {
    expect(serverValidatesFields({ major: "1", minor: "20" })).toBe(false);
    expect(serverValidatesFields({ major: "1", minor: "26" })).toBe(false);
    expect(serverValidatesFields({ major: "1", minor: "27" })).toBe(true);
    expect(serverValidatesFields({ major: "1", minor: "31+" })).toBe(true);
  });
});
