// A chart packaged by real `helm package` and pushed by harmony as an OCI artifact must be what
// helm 3.17 and helm 4.1 pull: `helm pull`, `helm show chart`, `helm template` straight from
// oci://127.0.0.1:PORT/…, over plain HTTP (and helm 4 over TLS with the run's CA). Re-pushing the same
// archive sends nothing and keeps the digest.
import { describe, expect, test } from "bun:test";
import { cpSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createOciHelmRegistry } from "../../../topologies/adapters/helm-registry/oci.ts";
import { MEDIA } from "../../../topologies/oci/media-types.ts";
import { FIXTURES, runOk, world, type HelmPart } from "../../world/index.ts";
import { adapterEnv, recordingWork, scratch, skopeoRawManifest, SLOW } from "./helpers.ts";

const parts = () => world.available("registry") && world.available("helm") && world.available("skopeo");

const IMAGE = `127.0.0.1:5000/world/app@sha256:${"5".repeat(64)}`;

/** The world's chart with its image pinned in values.yaml (as a release hydrates it), packaged by helm 3. */
async function packagedChart(version: string): Promise<string> {
  const helm = await world.helm(3);
  const dir = join(scratch("chart"), "world-app");
  cpSync(join(FIXTURES, "chart"), dir, { recursive: true });
  writeFileSync(join(dir, "values.yaml"), `image: "${IMAGE}"\npullPolicy: Always\nport: 8080\nmessage: hello from an OCI chart\n`);
  const out = scratch("package");
  await runOk([helm.helm, "package", dir, "--version", version, "-d", out], { env: helm.env });
  return join(out, readdirSync(out)[0]!);
}

async function pullShowTemplate(helm: HelmPart, location: string, version: string, flags: string[]): Promise<{ pulled: string[]; chart: string; rendered: string }> {
  const into = scratch(`pull-helm${helm.version}`);
  await runOk([helm.helm, "pull", location, "--version", version, "-d", into, ...flags], { env: helm.env });
  const chart = (await runOk([helm.helm, "show", "chart", location, "--version", version, ...flags], { env: helm.env })).stdout;
  const rendered = (await runOk([helm.helm, "template", "rel", location, "--version", version, ...flags], { env: helm.env })).stdout;
  return { pulled: readdirSync(into), chart, rendered };
}

describe("charts as OCI artifacts", () => {
  test.skipIf(!parts())(
    "helm 3.17 and helm 4.1 pull, show and template what harmony pushed; + in the version becomes _ in the tag",
    async () => {
      const reg = await world.registry();
      const version = "0.2.0+build.5";
      const archive = await packagedChart(version);
      const charts = createOciHelmRegistry({ adapter: "registry", url: `${reg.host}/charts` }, await adapterEnv());
      const published = await charts.push({ name: "world-app", version, archivePath: archive }, recordingWork());
      expect(published).toMatchObject({ name: "world-app", version, location: `oci://${reg.host}/charts/world-app` });

      const raw = (await skopeoRawManifest(`docker://${reg.host}/charts/world-app:0.2.0_build.5`)) as unknown as {
        config: { mediaType: string };
        layers: { mediaType: string; size: number }[];
        annotations: Record<string, string>;
      };
      expect(raw.config.mediaType).toBe(MEDIA.helmConfig);
      expect(raw.layers.map((l) => l.mediaType)).toEqual([MEDIA.helmChart]);
      expect(raw.layers[0]!.size).toBe(Bun.file(archive).size);
      expect(raw.annotations).toMatchObject({ "org.opencontainers.image.title": "world-app", "org.opencontainers.image.version": version });

      for (const major of [3, 4] as const) {
        const helm = await world.helm(major);
        const got = await pullShowTemplate(helm, published.location, version, ["--plain-http"]);
        expect(got.pulled).toEqual([`world-app-${version}.tgz`]);
        expect(got.chart).toContain(`version: ${version}`);
        expect(got.rendered).toContain(`image: "${IMAGE}"`);
      }
      expect(await charts.resolve("world-app", version, recordingWork())).toEqual(published);
      expect(await charts.resolve("world-app", "9.9.9", recordingWork())).toBeUndefined();
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "re-pushing the same archive uploads 0 blob bytes and yields the same digest",
    async () => {
      const reg = await world.registry();
      const archive = await packagedChart("1.0.0");
      const first = createOciHelmRegistry({ adapter: "registry", url: `${reg.host}/repush` }, await adapterEnv());
      const published = await first.push({ name: "world-app", version: "1.0.0", archivePath: archive }, recordingWork());
      const again = createOciHelmRegistry({ adapter: "registry", url: `${reg.host}/repush` }, await adapterEnv());
      const republished = await again.push({ name: "world-app", version: "1.0.0", archivePath: archive }, recordingWork());
      expect(republished.digest).toBe(published.digest);
      expect(again.stats).toMatchObject({ blobBytesUploaded: 0, blobsUploaded: 0, blobsPresent: 2, manifestsPut: 1 });
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "over TLS with the run's CA: pushed with caFile, pulled by helm 4 with --ca-file",
    async () => {
      // helm 3.17 always speaks plain HTTP to localhost/127.0.0.1 (docker's loopback rule), so on
      // this loopback-only machine only helm 4 can show the TLS path.
      const reg = await world.registry({ tls: true });
      const archive = await packagedChart("1.1.0");
      const charts = createOciHelmRegistry({ adapter: "registry", url: `${reg.host}/charts`, caFile: reg.caFile! }, await adapterEnv());
      const published = await charts.push({ name: "world-app", version: "1.1.0", archivePath: archive }, recordingWork());
      const got = await pullShowTemplate(await world.helm(4), published.location, "1.1.0", ["--ca-file", reg.caFile!]);
      expect(got.rendered).toContain(IMAGE);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "an archive that is not the chart it claims to be is refused before anything is pushed",
    async () => {
      const reg = await world.registry();
      const archive = await packagedChart("1.2.0");
      const charts = createOciHelmRegistry({ adapter: "registry", url: `${reg.host}/mismatch` }, await adapterEnv());
      const error = await charts.push({ name: "world-app", version: "1.2.1", archivePath: archive }, recordingWork()).catch((e: unknown) => e);
      expect(String(error)).toContain("holds chart world-app 1.2.0, expected world-app 1.2.1");
      expect(await charts.resolve("world-app", "1.2.0", recordingWork())).toBeUndefined();
    },
    SLOW,
  );
});
