// The Harbor adapters' paths and checks, against the real distribution registry (Harbor itself
// is not part of the test world): repositories live under <url>/<project>/, and a server without
// Harbor's API is never mistaken for one whose project is missing. The missing-project decision
// is covered with Harbor's answers as values in tests/unit/oci/harbor-project.test.ts.
import { describe, expect, test } from "bun:test";
import { createHarborHelmRegistry } from "../../../topologies/adapters/helm-registry/harbor.ts";
import { createHarborOciRegistry } from "../../../topologies/adapters/oci-registry/harbor.ts";
import { runOk, world } from "../../world/index.ts";
import { adapterEnv, catalog, fixtureImage, recordingWork, scratch, SLOW } from "./helpers.ts";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const parts = () => world.available("docker") && world.available("registry") && world.available("helm");

describe("harbor adapters", () => {
  test.skipIf(!parts())(
    "images and charts go to <url>/<project>/<name>, with robot-style credentials from settings",
    async () => {
      const reg = await world.registry({ auth: "htpasswd" });
      const env = await adapterEnv({ HARBOR_ROBOT_SECRET: reg.password! });
      const settings = { url: reg.host, project: "platform", username: reg.username!, passwordEnv: "HARBOR_ROBOT_SECRET" };
      const images = createHarborOciRegistry({ adapter: "harbor", ...settings }, env);
      const target = { ...images.repositoryFor("api"), tag: "2.0.0" };
      expect(target).toMatchObject({ registry: reg.host, repository: "platform/api" });
      const published = await images.push({ kind: "daemon", imageId: await fixtureImage() }, target, recordingWork());
      expect(await images.resolve(target, recordingWork())).toBe(published.ref.digest);
      expect(await images.preflight!(recordingWork())).toEqual([]);

      const helm = await world.helm(3);
      const out = scratch("harbor-chart");
      await runOk([helm.helm, "package", join(import.meta.dir, "../../../fixtures/world/chart"), "-d", out], { env: helm.env });
      const charts = createHarborHelmRegistry({ adapter: "harbor", ...settings }, env);
      const chart = await charts.push({ name: "world-app", version: "0.1.0", archivePath: join(out, readdirSync(out)[0]!) }, recordingWork());
      expect(chart.location).toBe(`oci://${reg.host}/platform/world-app`);
      expect(await catalog(reg)).toEqual(expect.arrayContaining(["platform/api", "platform/world-app"]));
    },
    SLOW,
  );
});
