import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { decodeReleaseData, encodeReleaseData, historyEntry, isPending, secretName, type HelmRelease } from "../../../topologies/kube/helm-release.ts";
import { planRepair } from "../../../topologies/adapters/continuous-delivery/helm-repair.ts";
import { lastGoodBefore, releaseState } from "../../../topologies/adapters/continuous-delivery/helm-state.ts";

function release(version: number, status: HelmRelease["info"]["status"], chartVersion = `1.${version}.0`): HelmRelease {
  return {
    name: "web",
    namespace: "staging",
    version,
    info: { status, last_deployed: `2026-01-0${version}T10:00:00.000000001Z`, description: `step ${version}` },
    chart: { metadata: { name: "web", version: chartVersion, appVersion: chartVersion } },
    manifest: "",
  };
}

describe("helm release Secrets", () => {
  test("the `release` value is base64 (API) of base64 (helm) of gzip of JSON", () => {
    const r = release(3, "deployed");
    const helmEncoded = gzipSync(Buffer.from(JSON.stringify(r))).toString("base64");
    const apiValue = Buffer.from(helmEncoded).toString("base64");
    expect(decodeReleaseData(apiValue)).toEqual(r);
    expect(decodeReleaseData(encodeReleaseData(r))).toEqual(r);
  });

  test("an uncompressed record (helm's decoder accepts them) decodes too", () => {
    const r = release(1, "failed");
    const apiValue = Buffer.from(Buffer.from(JSON.stringify(r)).toString("base64")).toString("base64");
    expect(decodeReleaseData(apiValue).info.status).toBe("failed");
  });

  test("names and history rows follow helm's", () => {
    expect(secretName("web", 12)).toBe("sh.helm.release.v1.web.v12");
    expect(historyEntry(release(2, "superseded", "2.0.0"))).toEqual({
      revision: 2,
      updated: "2026-01-02T10:00:00.000000001Z",
      status: "superseded",
      chart: "web-2.0.0",
      app_version: "2.0.0",
      description: "step 2",
    });
  });

  test("release states map helm statuses onto the capability's", () => {
    expect(releaseState(release(4, "pending-rollback"))).toEqual({ revision: 4, chartVersion: "1.4.0", status: "pending" });
    expect(releaseState(release(4, "uninstalling")).status).toBe("unknown");
    expect(isPending(release(1, "pending-install"))).toBe(true);
    expect(isPending(release(1, "failed"))).toBe(false);
  });
});

describe("rollback and repair choices", () => {
  test("rollback goes to the newest revision that ran, skipping failed ones", () => {
    const history = [release(1, "superseded"), release(2, "superseded"), release(3, "failed"), release(4, "deployed")];
    expect(lastGoodBefore(history, 4)?.version).toBe(2);
    expect(lastGoodBefore([release(1, "deployed")], 1)).toBeUndefined();
  });

  test("a healthy release needs no repair", () => {
    expect(planRepair([release(1, "superseded"), release(2, "deployed")])).toEqual({ action: "none" });
    expect(planRepair([])).toEqual({ action: "none" });
  });

  test("a pending upgrade or rollback is rolled back to the last revision that ran", () => {
    const up = planRepair([release(1, "superseded"), release(2, "deployed"), release(3, "pending-upgrade")]);
    expect(up.action === "rollback" && [up.stuck.version, up.to.version]).toEqual([3, 2]);
    const back = planRepair([release(1, "superseded"), release(2, "failed"), release(3, "pending-rollback")]);
    expect(back.action === "rollback" && back.to.version).toBe(1);
  });

  test("a pending install, or a pending anything with nothing good before it, is deleted", () => {
    expect(planRepair([release(1, "pending-install")]).action).toBe("delete");
    expect(planRepair([release(1, "failed"), release(2, "pending-upgrade")]).action).toBe("delete");
  });
});
