// The helm adapter against the real thing: a Kubernetes 1.20 API server with a kubelet running
// the pods, helm 3.17 and helm 4.1, the chart pulled from a local OCI registry. Each scenario has
// its own namespace; pods are hostNetwork and answer on 127.0.0.1 (never a ClusterIP).
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarmonyError, type ClusterTarget, type ContinuousDelivery } from "../../../capabilities/index.ts";
import { createHelmDelivery } from "../../../topologies/adapters/continuous-delivery/helm.ts";
import { connectKube, type Kube } from "../../../topologies/kube/client.ts";
import { encodeReleaseData, historyEntry, readReleases, secretName } from "../../../topologies/kube/helm-release.ts";
import { runOk, world } from "../../world/index.ts";
import { CHART_DIR, helmEnv, httpGet, imageValues, publishedChart, recordingWork, SLOW } from "./setup.ts";

const ready = () => (["docker", "registry", "kube", "helm"] as const).every((p) => world.available(p));

async function targetIn(namespace: string): Promise<ClusterTarget> {
  const kube = await world.kube();
  return { kind: "cluster", name: "staging", kubeconfig: kube.kubeconfig, context: kube.context, namespace, releaseName: "web" };
}

async function kubeClient(): Promise<Kube> {
  const w = await world.kube();
  return connectKube({ kubeconfig: w.kubeconfig, context: w.context }, {});
}

/** An adapter for `major` and a deploy function of (version, values) on `target`. */
async function scenario(major: 3 | 4, target: ClusterTarget) {
  const helm = await world.helm(major);
  const registry = await world.registry();
  const image = await imageValues(registry);
  const cd: ContinuousDelivery = createHelmDelivery({ adapter: "helm", helmVersion: major, timeoutSeconds: 120 }, helmEnv(helm));
  const work = recordingWork();
  const deploy = async (version: string, values: Record<string, unknown>) =>
    cd.deploy({ app: "web", version, target, chart: await publishedChart(helm, registry, version), values: { image, ...values } }, work);
  return { helm, registry, image, cd, work, deploy };
}

async function deployError(p: Promise<unknown>): Promise<HarmonyError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(HarmonyError);
  return error as HarmonyError;
}

for (const major of [3, 4] as const) {
  describe(`helm ${major}`, () => {
    test.skipIf(!ready())(
      "installs, upgrades and rolls back the chart from the OCI registry; our history is helm's",
      async () => {
        const target = await targetIn(`deploy-helm${major}`);
        const { helm, cd, work, deploy } = await scenario(major, target);
        const [p1, p2] = [world.freePort(), world.freePort()];

        expect(await cd.current(target, work)).toBeUndefined();
        expect(await deploy("1.0.0", { port: p1, message: `1.0.0 via helm ${major}` })).toEqual({ revision: 1, chartVersion: "1.0.0", status: "deployed" });
        expect(await httpGet(`http://127.0.0.1:${p1}/`)).toBe(`1.0.0 via helm ${major}`);

        expect(await deploy("1.1.0", { port: p2, message: `1.1.0 via helm ${major}` })).toEqual({ revision: 2, chartVersion: "1.1.0", status: "deployed" });
        expect(await httpGet(`http://127.0.0.1:${p2}/`)).toBe(`1.1.0 via helm ${major}`);

        expect(await cd.rollback(target, work)).toEqual({ revision: 3, chartVersion: "1.0.0", status: "deployed" });
        expect(await httpGet(`http://127.0.0.1:${p1}/`)).toBe(`1.0.0 via helm ${major}`);
        expect(await cd.current(target, work)).toEqual({ revision: 3, chartVersion: "1.0.0", status: "deployed" });

        // The same history, read from the release Secrets and by helm itself.
        const w = await world.kube();
        const ours = (await readReleases(await kubeClient(), target.namespace, "web")).map(historyEntry);
        const theirs = JSON.parse((await runOk(
          [helm.helm, "history", "web", "-n", target.namespace, "--kubeconfig", w.kubeconfig, "--kube-context", w.context, "-o", "json"],
          { env: helm.env },
        )).stdout);
        expect(ours).toEqual(theirs);
        expect(ours.map((h) => [h.revision, h.status, h.chart])).toEqual([
          [1, "superseded", "deploy-fixture-1.0.0"],
          [2, "superseded", "deploy-fixture-1.1.0"],
          [3, "deployed", "deploy-fixture-1.0.0"],
        ]);
        // Values travel in a file: helm's command line never carried them.
        expect(work.lines.join("\n")).not.toContain("--set");
      },
      SLOW,
    );
  });
}

describe("failing rollouts are stopped early and explained (real kubelet, real pods)", () => {
  test.skipIf(!ready())(
    "helm 3, an image that does not exist: ImagePullBackOff/ErrImagePull with the registry's answer; helm rolled back",
    async () => {
      const target = await targetIn("deploy-badimage");
      const { cd, work, deploy, image } = await scenario(3, target);
      const port = world.freePort();
      await deploy("1.0.0", { port, message: "good" });
      const error = await deployError(deploy("1.1.0", { port: world.freePort(), image: { ...image, digest: `sha256:${"0".repeat(64)}` } }));
      expect(error.kind).toBe("failed");
      expect(error.message).toMatch(/deploy of web 1\.1\.0 to staging failed/);
      expect(error.message).toMatch(/container web: (ImagePullBackOff|ErrImagePull)/);
      expect(error.message).toContain("manifest unknown");
      expect(error.message).not.toContain("timed out waiting for the condition");
      expect(error.hint).toBe("helm rolled back: revision 3 runs chart 1.0.0 again");
      expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe("good");
      // DeployScore rolls back after a failure: helm already did, so nothing is undone twice.
      expect(await cd.rollback(target, work)).toEqual({ revision: 3, chartVersion: "1.0.0", status: "deployed" });
      expect(work.lines).toContain("info: web is already back on chart 1.0.0 (revision 3)");
    },
    SLOW,
  );

  test.skipIf(!ready())(
    "helm 4, a command that crashes: CrashLoopBackOff with the exit code and the container's last log lines",
    async () => {
      const target = await targetIn("deploy-crash");
      const { deploy } = await scenario(4, target);
      await deploy("1.0.0", { port: world.freePort(), message: "good" });
      const crash = ["sh", "-c", "echo starting web 1.1.0; echo 'fatal: /etc/web.conf: no such file' >&2; exit 3"];
      const error = await deployError(deploy("1.1.0", { port: world.freePort(), command: crash }));
      expect(error.message).toMatch(/container web: CrashLoopBackOff — last exit 3 \(Error\)/);
      // stdout and stderr lines, in whichever order the runtime interleaved them
      expect(error.message).toContain("    last log lines:\n");
      expect(error.message).toContain("      | starting web 1.1.0");
      expect(error.message).toContain("      | fatal: /etc/web.conf: no such file");
      expect(error.hint).toBe("helm rolled back: revision 3 runs chart 1.0.0 again");
    },
    SLOW,
  );
});

describe("interrupted (Ctrl-C, a cancelled CI job)", () => {
  test.skipIf(!ready())(
    "helm 3 gets SIGTERM, records the upgrade as failed and rolls back: nothing is left pending, the lock is released",
    async () => {
      const target = await targetIn("deploy-interrupt");
      const { deploy, work } = await scenario(3, target);
      const kube = await kubeClient();
      await deploy("1.0.0", { port: world.freePort(), message: "1.0.0" });
      // Runs, but never answers its readiness probe: helm waits, and nothing says it has failed.
      const never = deploy("1.1.0", { port: world.freePort(), command: ["sleep", "3600"] });
      const outcome = never.then(() => undefined, (e: unknown) => e);
      while ((await readReleases(kube, target.namespace, "web")).at(-1)?.info.status !== "pending-upgrade") await Bun.sleep(100);
      work.abort();
      const error = (await outcome) as HarmonyError;
      expect(error).toBeInstanceOf(HarmonyError);
      expect(error.kind).toBe("interrupted");
      expect((await readReleases(kube, target.namespace, "web")).map((r) => [r.version, r.info.status])).toEqual([
        [1, "superseded"], [2, "failed"], [3, "deployed"],
      ]);
      expect((await kube.coordination.listNamespacedLease({ namespace: target.namespace })).items).toEqual([]);
    },
    SLOW,
  );
});

describe("a release a killed helm client left pending is repaired, not reported as 'another operation is in progress'", () => {
  test.skipIf(!ready())(
    "helm 3: the client is SIGKILLed mid-upgrade; the next deploy rolls back, marks the dead revision failed and upgrades",
    async () => {
      const target = await targetIn("deploy-killed");
      const { helm, registry, image, work, deploy } = await scenario(3, target);
      const w = await world.kube();
      const kube = await kubeClient();
      await deploy("1.0.0", { port: world.freePort(), message: "1.0.0" });

      // A bad image keeps helm waiting; kill it as soon as its pending revision is written.
      const chart = await publishedChart(helm, registry, "1.1.0");
      const killed = Bun.spawn([helm.helm, "upgrade", "web", chart.location, "--version", "1.1.0", "--plain-http", "--wait", "--timeout", "300s",
        "-n", target.namespace, "--kubeconfig", w.kubeconfig, "--kube-context", w.context,
        "--set", `image.repository=${image.repository}`, "--set", `image.digest=sha256:${"0".repeat(64)}`, "--set", `port=${world.freePort()}`], { env: { ...process.env, ...helm.env }, stdout: "ignore", stderr: "ignore" });
      while ((await readReleases(kube, target.namespace, "web")).at(-1)?.info.status !== "pending-upgrade") await Bun.sleep(100);
      killed.kill("SIGKILL");
      await killed.exited;
      const blocked = await Bun.spawn([helm.helm, "upgrade", "web", chart.location, "--version", "1.1.0", "--plain-http", "-n", target.namespace,
        "--kubeconfig", w.kubeconfig, "--kube-context", w.context, "--reuse-values"], { env: { ...process.env, ...helm.env }, stderr: "pipe" });
      expect(await new Response(blocked.stderr).text()).toContain("another operation (install/upgrade/rollback) is in progress");

      const port = world.freePort();
      expect(await deploy("1.1.0", { port, message: "1.1.0 after repair" })).toEqual({ revision: 4, chartVersion: "1.1.0", status: "deployed" });
      expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe("1.1.0 after repair");
      expect(work.lines.some((l) => /^warn: release web in deploy-killed was left in pending-upgrade \(revision 2 since .+\) by a helm client that did not finish: rolling back to revision 1 \(chart 1\.0\.0\)$/.test(l))).toBe(true);
      expect((await readReleases(kube, target.namespace, "web")).map((r) => [r.version, r.info.status])).toEqual([
        [1, "superseded"], [2, "failed"], [3, "superseded"], [4, "deployed"],
      ]);
    },
    SLOW,
  );

  test.skipIf(!ready())(
    "helm 4: pending-upgrade and pending-install records written as helm writes them are repaired",
    async () => {
      const target = await targetIn("deploy-written");
      const { work, deploy } = await scenario(4, target);
      const kube = await kubeClient();
      await deploy("1.0.0", { port: world.freePort(), message: "1.0.0" });

      // Revision 2 in pending-upgrade: a copy of revision 1's record, as a dead client leaves it.
      const [first] = await readReleases(kube, target.namespace, "web");
      const stuck = { ...first!, version: 2, info: { ...first!.info, status: "pending-upgrade" as const, description: "Preparing upgrade" } };
      await kube.core.createNamespacedSecret({
        namespace: target.namespace,
        body: {
          metadata: { name: secretName("web", 2), labels: { name: "web", owner: "helm", status: "pending-upgrade", version: "2" } },
          type: "helm.sh/release.v1",
          data: { release: encodeReleaseData(stuck) },
        },
      });
      const port = world.freePort();
      expect(await deploy("1.1.0", { port, message: "1.1.0" })).toEqual({ revision: 4, chartVersion: "1.1.0", status: "deployed" });
      expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe("1.1.0");
      expect(work.lines.filter((l) => l.startsWith("warn:"))).toEqual([
        expect.stringMatching(/^warn: release web in deploy-written was left in pending-upgrade \(revision 2 .*rolling back to revision 1/),
      ]);

      // A first install whose client died: nothing to go back to, so the record is removed.
      const fresh: ClusterTarget = { ...target, releaseName: "fresh" };
      const record = { ...stuck, name: "fresh", version: 1, info: { ...stuck.info, status: "pending-install" as const } };
      await kube.core.createNamespacedSecret({
        namespace: target.namespace,
        body: {
          metadata: { name: secretName("fresh", 1), labels: { name: "fresh", owner: "helm", status: "pending-install", version: "1" } },
          type: "helm.sh/release.v1",
          data: { release: encodeReleaseData(record) },
        },
      });
      const { cd: cd2, image, registry, helm } = await scenario(4, fresh);
      const state = await cd2.deploy({ app: "fresh", version: "1.0.0", target: fresh, chart: await publishedChart(helm, registry, "1.0.0"), values: { image, port: world.freePort() } }, work);
      expect(state).toEqual({ revision: 1, chartVersion: "1.0.0", status: "deployed" });
      expect(work.lines).toContainEqual(expect.stringMatching(/^warn: release fresh in deploy-written was left in pending-install \(revision 1 .*removing that unfinished revision$/));
    },
    SLOW,
  );
});

describe("a chart registry with TLS (the run's own CA) and a password", () => {
  test.skipIf(!ready())(
    "helm 4 pulls with --ca-file and a 0600 credentials file; the password is never an argument or a reported line",
    async () => {
      const helm = await world.helm(4);
      const secure = await world.registry({ auth: "htpasswd", tls: true });
      const plain = await world.registry();
      const image = await imageValues(plain); // the kubelet pulls the image from the plain one
      const dir = mkdtempSync(join(tmpdir(), "deploy-secure-"));
      await runOk([helm.helm, "package", CHART_DIR, "--version", "3.0.0", "--app-version", "3.0.0", "-d", dir], { env: helm.env });
      // The world's docker config.json for that registry is a valid helm registry config.
      await runOk([helm.helm, "push", join(dir, "deploy-fixture-3.0.0.tgz"), `oci://${secure.host}/charts`, "--ca-file", secure.caFile!, "--registry-config", secure.authFile], { env: helm.env });
      const target = await targetIn("deploy-secure");
      const chart = { name: "deploy-fixture", version: "3.0.0", location: `oci://${secure.host}/charts/deploy-fixture`, digest: "" };
      const port = world.freePort();
      const request = (access: object) => ({ app: "web", version: "3.0.0", target, chart: { ...chart, access }, values: { image, port, message: "from the TLS registry" } });
      const work = recordingWork();
      const cd = createHelmDelivery({ adapter: "helm", timeoutSeconds: 120 }, helmEnv(helm, { CHART_REGISTRY_PASSWORD: secure.password! }));

      const refused = await deployError(cd.deploy(request({ caFile: secure.caFile }), work));
      expect(refused.message).toMatch(/unauthorized|authentication required|basic credential not found/i); // TLS passed: no x509 error
      expect(refused.message).not.toContain("x509");

      const state = await cd.deploy(request({ caFile: secure.caFile, username: secure.username, passwordEnv: "CHART_REGISTRY_PASSWORD" }), work);
      expect(state).toEqual({ revision: 1, chartVersion: "3.0.0", status: "deployed" });
      expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe("from the TLS registry");
      expect(work.lines.join("\n")).not.toContain(secure.password!);
      expect(work.lines.some((l) => l.includes(`--ca-file`) || l.includes("Pulled:"))).toBe(true);

      // A version that was never published fails before helm writes a revision: DeployScore's
      // rollback afterwards must not undo the release that is still running.
      const missing = await deployError(cd.deploy({ ...request({ caFile: secure.caFile, username: secure.username, passwordEnv: "CHART_REGISTRY_PASSWORD" }), version: "9.9.9", chart: { ...chart, version: "9.9.9", access: { caFile: secure.caFile, username: secure.username, passwordEnv: "CHART_REGISTRY_PASSWORD" } } }, work));
      expect(missing.hint).toBe("nothing was changed: revision 1 (chart 3.0.0) still runs");
      expect(await cd.rollback(target, work)).toEqual({ revision: 1, chartVersion: "3.0.0", status: "deployed" });
      expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe("from the TLS registry");
    },
    SLOW,
  );
});
