// Proves every part of the test world is the real thing: a dockerd that builds and runs,
// registries that enforce auth and TLS, a cluster whose kubelet pulls from the local
// registry, and helm 3 and 4 installing into it. All traffic stays on 127.0.0.1.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { FIXTURES, run, runOk, world, type RegistryPart } from "../world/index.ts";

const APP = join(FIXTURES, "app");
const CHART = join(FIXTURES, "chart");
const SLOW = 300_000; // first use of a part may start dockerd / the cluster

/** Builds the fixture app FROM the world's base image in `reg`'s namespace. */
async function buildApp(reg: RegistryPart, tag: string): Promise<string> {
  const docker = await world.docker();
  const base = await world.baseImage(reg);
  const ref = `${reg.host}/world/app:${tag}`;
  // A unique label makes a unique image (and manifest digest), so a digest seen later
  // can only come from this build.
  const nonce = `harmony.world.nonce=${crypto.randomUUID()}`;
  await runOk([docker.bin, "build", "--network=none", "--label", nonce, "--build-arg", `BASE=${base}`, "-t", ref, APP], {
    env: docker.env,
  });
  return ref;
}

/** Pushes `ref` and returns the manifest digest the registry reported. */
async function push(ref: string, dockerConfigDir?: string): Promise<string> {
  const docker = await world.docker();
  const env = dockerConfigDir ? { ...docker.env, DOCKER_CONFIG: dockerConfigDir } : docker.env;
  const out = await runOk([docker.bin, "push", ref], { env });
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out.stdout)?.[1];
  if (!digest) throw new Error(`no digest in push output:\n${out.stdout}`);
  return digest;
}

async function get(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.text()).trim();
}

describe("docker engine", () => {
  test.skipIf(!world.available("docker") || !world.available("registry"))(
    "builds the fixture with --network=none and runs it",
    async () => {
      const docker = await world.docker();
      const ref = await buildApp(await world.registry(), "build");
      const out = await runOk([docker.bin, "run", "--rm", "--network=none", "-e", "MESSAGE=from docker run", ref], {
        env: docker.env,
      });
      expect(out.stdout.trim()).toBe("harmony world app: from docker run (built by a RUN step)");
      // ...and it was our private daemon, not a user's
      const info = await runOk([docker.bin, "info", "--format", "{{.DockerRootDir}} {{.Name}}"], { env: docker.env });
      expect(info.stdout.split(" ")[0]).toBe(docker.dataRoot);
      expect(docker.host).toStartWith("unix:///");
    },
    SLOW,
  );
});

describe("registry", () => {
  test.skipIf(!world.available("docker") || !world.available("registry") || !world.available("skopeo"))(
    "htpasswd: docker pushes with a config.json, skopeo reads it back with an auth file",
    async () => {
      const docker = await world.docker();
      const reg = await world.registry({ auth: "htpasswd" });
      const skopeo = world.tool("skopeo");
      const { env, skopeoArgs } = world.containersEnv();
      expect((await fetch(`${reg.url}/v2/`)).status).toBe(401);

      const ref = await buildApp(reg, "auth");
      const denied = await run([docker.bin, "push", ref], { env: docker.env }); // empty DOCKER_CONFIG
      expect(denied.code).not.toBe(0);
      expect(denied.stdout + denied.stderr).toMatch(/no basic auth credentials|unauthorized|authentication required/i);

      const digest = await push(ref, reg.dockerConfigDir);
      const inspect = await runOk([skopeo, ...skopeoArgs, "inspect", "--authfile", reg.authFile, `docker://${ref}`], { env });
      const info = JSON.parse(inspect.stdout) as { Name: string; Digest: string; RepoTags: string[] };
      expect(info.Name).toBe(`${reg.host}/world/app`);
      expect(info.Digest).toBe(digest);
      expect(info.RepoTags).toContain("auth");

      const anonymous = await run([skopeo, ...skopeoArgs, "inspect", "--no-creds", `docker://${ref}`], { env });
      expect(anonymous.code).not.toBe(0);
      expect(anonymous.stderr).toMatch(/unauthorized|authentication required/i);
    },
    SLOW,
  );

  test.skipIf(!world.available("docker") || !world.available("registry") || !world.available("skopeo"))(
    "TLS: refused without the run's CA, accepted with it",
    async () => {
      const reg = await world.registry({ tls: true });
      expect(reg.url).toStartWith("https://127.0.0.1:");
      const ref = await world.baseImage(reg); // dockerd allows loopback registries unverified
      const skopeo = world.tool("skopeo");
      const { env, skopeoArgs } = world.containersEnv();

      const refused = await run([skopeo, ...skopeoArgs, "inspect", `docker://${ref}`], { env });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/x509: certificate signed by unknown authority/);
      const accepted = await runOk([skopeo, ...skopeoArgs, "inspect", "--cert-dir", reg.certDir!, `docker://${ref}`], { env });
      expect((JSON.parse(accepted.stdout) as { Name: string }).Name).toBe(`${reg.host}/base/busybox`);

      const curlRefused = await run(["curl", "-sS", `${reg.url}/v2/`]);
      expect(curlRefused.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
      const curlOk = await runOk(["curl", "-sS", "--cacert", reg.caFile!, `${reg.url}/v2/_catalog`]);
      expect(JSON.parse(curlOk.stdout)).toEqual({ repositories: ["base/busybox"] });
    },
    SLOW,
  );
});

describe("buildah", () => {
  test.skipIf(!(["docker", "registry", "buildah", "skopeo"] as const).every((p) => world.available(p)))(
    "builds the fixture daemonless FROM the htpasswd registry and pushes it back",
    async () => {
      const reg = await world.registry({ auth: "htpasswd" });
      const base = await world.baseImage(reg);
      const b = world.buildah();
      const ref = `${reg.host}/world/app:buildah`;
      const auth = ["--authfile", reg.authFile];
      await runOk([b.bin, ...b.args, "bud", ...b.budArgs, ...auth, "--build-arg", `BASE=${base}`, "-t", ref, APP], {
        env: b.env,
      });
      await runOk([b.bin, ...b.args, "push", ...auth, ref], { env: b.env });
      const { env, skopeoArgs } = world.containersEnv();
      const out = await runOk([world.tool("skopeo"), ...skopeoArgs, "inspect", ...auth, "--config", `docker://${ref}`], {
        env,
      });
      const config = JSON.parse(out.stdout) as { config: { Entrypoint: string[]; Env: string[] } };
      expect(config.config.Entrypoint).toEqual(["/app/app.sh"]);
      expect(config.config.Env).toContain("MESSAGE=hello");
    },
    SLOW,
  );
});

describe("kubernetes", () => {
  const ready = () => (["docker", "registry", "kube"] as const).every((p) => world.available(p));

  /**
   * Builds and pushes the app under a fresh tag, then deletes the local copy, so the
   * only way the kubelet can run it is by pulling from the local registry.
   */
  async function registryOnlyImage(tag: string): Promise<{ ref: string; digest: string }> {
    const docker = await world.docker();
    const reg = await world.registry();
    const ref = await buildApp(reg, tag);
    const digest = await push(ref);
    await runOk([docker.bin, "rmi", ref], { env: docker.env });
    return { ref, digest };
  }

  /** The pod's imageID proves which registry and digest the kubelet pulled. */
  async function expectPulled(namespace: string, instance: string, ref: string, digest: string): Promise<void> {
    const kube = await world.kube();
    const docker = await world.docker();
    const ids = await runOk(
      [kube.kubectl, "get", "pods", "-n", namespace, "-l", `app.kubernetes.io/instance=${instance}`,
        "-o", "jsonpath={.items[*].status.containerStatuses[*].imageID}"],
      { env: kube.env },
    );
    expect(ids.stdout).toBe(`docker-pullable://${ref.replace(/:[^:/]+$/, "")}@${digest}`);
    await runOk([docker.bin, "image", "inspect", ref], { env: docker.env }); // back after the pull
  }

  test.skipIf(!ready())(
    "a hostNetwork Deployment pulled from the local registry becomes Ready and answers on 127.0.0.1",
    async () => {
      const kube = await world.kube();
      const { ref, digest } = await registryOnlyImage("kubectl");
      const port = world.freePort();
      const ns = "world-kubectl";
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { "app.kubernetes.io/instance": "web" } },
          template: {
            metadata: { labels: { "app.kubernetes.io/instance": "web" } },
            spec: {
              hostNetwork: true,
              terminationGracePeriodSeconds: 1,
              containers: [{
                name: "app",
                image: ref,
                imagePullPolicy: "Always",
                args: ["serve"],
                env: [{ name: "PORT", value: String(port) }, { name: "MESSAGE", value: "from kubectl" }],
                readinessProbe: { httpGet: { host: "127.0.0.1", port, path: "/" }, periodSeconds: 1 },
              }],
            },
          },
        },
      };
      await runOk([kube.kubectl, "create", "namespace", ns], { env: kube.env });
      await runOk([kube.kubectl, "apply", "-f", "-"], { env: kube.env, stdin: JSON.stringify(deployment) });
      await runOk([kube.kubectl, "rollout", "status", "-n", ns, "deploy/web", "--timeout=120s"], { env: kube.env });
      expect(await get(`http://127.0.0.1:${port}/`)).toBe("harmony world app: from kubectl");
      await expectPulled(ns, "web", ref, digest);
    },
    SLOW,
  );

  for (const major of [3, 4] as const) {
    test.skipIf(!ready() || !world.available("helm"))(
      `helm ${major} installs the fixture chart (image from the local registry)`,
      async () => {
        const kube = await world.kube();
        const helm = await world.helm(major);
        expect(helm.version).toStartWith(`v${major}.`);
        const { ref, digest } = await registryOnlyImage(`helm${major}`);
        const port = world.freePort();
        const ns = `world-helm${major}`;
        const release = `app-helm${major}`;
        const kubeFlags = ["--kubeconfig", kube.kubeconfig, "--kube-context", kube.context, "--namespace", ns];
        await runOk(
          [helm.helm, "install", release, CHART, ...kubeFlags, "--create-namespace", "--wait", "--timeout", "120s",
            "--set", `image=${ref}`, "--set", `port=${port}`, "--set", `message=from helm ${major}`],
          { env: helm.env },
        );
        const list = await runOk([helm.helm, "list", ...kubeFlags, "-o", "json"], { env: helm.env });
        const releases = JSON.parse(list.stdout) as { name: string; status: string; chart: string }[];
        expect(releases).toEqual([expect.objectContaining({ name: release, status: "deployed", chart: "world-app-0.1.0" })]);
        // helm's own kubectl (1.31 / 1.35) talks to the 1.20 API server too
        const ready = await runOk(
          [helm.kubectl, "--kubeconfig", kube.kubeconfig, "get", "deploy", release, "-n", ns,
            "-o", "jsonpath={.status.readyReplicas}"],
        );
        expect(ready.stdout).toBe("1");
        expect(await get(`http://127.0.0.1:${port}/`)).toBe(`harmony world app: from helm ${major}`);
        await expectPulled(ns, release, ref, digest);
      },
      SLOW,
    );
  }
});
