import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingReporter } from "../../../capabilities/index.ts";
import { createNoopHelmRegistry } from "../../../topologies/adapters/helm-registry/noop.ts";
import { createNoopOciRegistry } from "../../../topologies/adapters/oci-registry/noop.ts";
import { sha256 } from "../../../topologies/oci/digest.ts";

const work = () => ({ reporter: recordingReporter(), signal: new AbortController().signal });
const env = { projectDir: "/p", env: {} };

describe("noop adapters", () => {
  test("the noop OciRegistry publishes nothing but hands back the built image's digest", async () => {
    const registry = createNoopOciRegistry({ adapter: "noop" }, env);
    const to = { ...registry.repositoryFor("api"), tag: "1.0.0" };
    const w = work();
    const published = await registry.push({ kind: "oci-layout", path: "/x", digest: sha256("m") }, to, w);
    expect(published.ref).toEqual({ registry: "localhost", repository: "api", tag: "1.0.0", digest: sha256("m") });
    expect(await registry.resolve(to, w)).toBe(sha256("m"));
    expect(await registry.resolve({ ...to, tag: "2" }, w)).toBeUndefined();
    expect((w.reporter as { lines: string[] }).lines).toEqual(["info: not publishing api:1.0.0 (noop registry)"]);
  });

  test("the noop HelmRegistry points at the archive, pinned by its sha256", async () => {
    const archive = join(mkdtempSync(join(tmpdir(), "noop-")), "c-1.0.0.tgz");
    writeFileSync(archive, "chart bytes");
    const charts = createNoopHelmRegistry({ adapter: "noop" }, env);
    const published = await charts.push({ name: "c", version: "1.0.0", archivePath: archive }, work());
    expect(published).toEqual({ name: "c", version: "1.0.0", location: archive, digest: sha256("chart bytes") });
    expect(await charts.resolve("c", "1.0.0", work())).toEqual(published);
    expect(await charts.resolve("c", "2.0.0", work())).toBeUndefined();
  });
});
