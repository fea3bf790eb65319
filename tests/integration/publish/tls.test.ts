// A registry serving TLS with a certificate from a CA made for the run: harmony refuses it
// without that CA (loopback or not, verification stays on), and pushes once caFile names it.
import { describe, expect, test } from "bun:test";
import { HarmonyError } from "../../../capabilities/index.ts";
import { createRegistryOciRegistry } from "../../../topologies/adapters/oci-registry/registry.ts";
import { createOciHelmRegistry } from "../../../topologies/adapters/helm-registry/oci.ts";
import { world } from "../../world/index.ts";
import { adapterEnv, catalog, fixtureImage, recordingWork, skopeoInspect, SLOW } from "./helpers.ts";

const parts = () => world.available("docker") && world.available("registry") && world.available("skopeo");

describe("TLS registries", () => {
  test.skipIf(!parts())(
    "refused without the CA, with a hint to set caFile; nothing reaches the registry",
    async () => {
      const reg = await world.registry({ tls: true });
      const registry = createRegistryOciRegistry({ adapter: "registry", url: `${reg.host}/tls` }, await adapterEnv());
      const result = await registry.push({ kind: "daemon", imageId: await fixtureImage() }, { ...registry.repositoryFor("refused"), tag: "1" }, recordingWork()).catch((e: unknown) => e);
      expect(result).toBeInstanceOf(HarmonyError);
      expect((result as HarmonyError).message).toContain(`registry ${reg.host}: TLS certificate not trusted`);
      expect((result as HarmonyError).hint).toContain("set caFile");
      expect(await catalog(reg)).not.toContain("tls/refused");
      // the same for charts, and never a silent fall back to plain HTTP
      const charts = createOciHelmRegistry({ adapter: "registry", url: `${reg.host}/tls` }, await adapterEnv());
      expect(await charts.resolve("any", "1.0.0", recordingWork()).catch((e: unknown) => e)).toBeInstanceOf(HarmonyError);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "accepted with caFile, and skopeo (given the same CA) reads the same digest",
    async () => {
      const reg = await world.registry({ tls: true });
      const registry = createRegistryOciRegistry({ adapter: "registry", url: `https://${reg.host}/tls`, caFile: reg.caFile! }, await adapterEnv());
      const target = { ...registry.repositoryFor("app"), tag: "1.0.0" };
      const published = await registry.push({ kind: "daemon", imageId: await fixtureImage() }, target, recordingWork());
      const inspected = await skopeoInspect(`docker://${target.registry}/${target.repository}:1.0.0`, ["--cert-dir", reg.certDir!]);
      expect(inspected.Digest).toBe(published.ref.digest);
    },
    SLOW,
  );

  test.skipIf(!parts())(
    "insecure: true skips verification (an explicit choice)",
    async () => {
      const reg = await world.registry({ tls: true });
      const registry = createRegistryOciRegistry({ adapter: "registry", url: `${reg.host}/tls`, insecure: true }, await adapterEnv());
      const target = { ...registry.repositoryFor("insecure"), tag: "1" };
      const published = await registry.push({ kind: "daemon", imageId: await fixtureImage() }, target, recordingWork());
      expect(await registry.resolve(target, recordingWork())).toBe(published.ref.digest);
    },
    SLOW,
  );
});
