/**
 * A full pipeline (build, push, chart, staging, production) against the htpasswd registry, the
 * password given as the topology says (username + passwordEnv) and a token-like value in the
 * environment besides. Neither appears — raw or base64-encoded — in stdout, stderr, the --json
 * report, --report FILE, $GITHUB_STEP_SUMMARY, the helm releases (values, manifests, the release
 * Secrets themselves), what was pushed (image config, chart), any file left behind (TMPDIR, HOME,
 * DOCKER_CONFIG, helm's homes, the project), or any process's command line, sampled every ~20 ms
 * while the run goes on. The one file that must carry the password — helm's registry config for
 * pulling the chart — is seen while it exists: 0600 in a 0700 directory, gone afterwards.
 * A second run with a wrong password checks the failure path the same way.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { world, type RegistryPart } from "../../world/index.ts";
import { BINARY, ensureBinary } from "../../e2e/binary.ts";
import { robustProject, type RobustProject } from "../support/faults-project.ts";
import { filesWithSecrets, findSecrets, needle, sampleProcesses, type Needle, type SampleReport } from "../support/faults-secrets.ts";

const parts = ["docker", "registry", "kube", "helm"] as const;
const ready = parts.every((p) => world.available(p));
const PULL_SECRET = "harmony-test-pull";
const PASSWORD_ENV = "HARMONY_REGISTRY_PASSWORD";

let robust: RobustProject;
let registry: RegistryPart;
let scratch: string;

beforeAll(async () => {
  if (!ready) return;
  await ensureBinary();
  [robust, registry] = await Promise.all([robustProject({ pullSecret: PULL_SECRET }), world.registry({ auth: "htpasswd" })]);
  const login = { username: registry.username!, passwordEnv: PASSWORD_ENV };
  robust.useRegistries({ url: `${registry.host}/apps`, ...login }, { url: `${registry.host}/charts`, ...login });
  await createPullSecrets();
  scratch = mkdtempSync(join(tmpdir(), "harmony-secrets-"));
}, 600_000);

afterAll(() => {
  robust?.project.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The kubelet pulls the image with a pull secret the test creates (through stdin, never an argument). */
async function createPullSecrets(): Promise<void> {
  const { kube, namespaces } = robust.project;
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString("base64");
  const dockerconfig = Buffer.from(JSON.stringify({ auths: { [registry.host]: { auth } } })).toString("base64");
  const items = Object.values(namespaces).flatMap((namespace) => [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
    { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/dockerconfigjson", metadata: { name: PULL_SECRET, namespace }, data: { ".dockerconfigjson": dockerconfig } },
  ]);
  const child = Bun.spawn([kube.kubectl, "--kubeconfig", kube.kubeconfig, "--context", kube.context, "apply", "-f", "-"], {
    stdin: new TextEncoder().encode(JSON.stringify({ apiVersion: "v1", kind: "List", items })),
    stdout: "pipe",
    stderr: "pipe",
  });
  if ((await child.exited) !== 0) throw new Error(`kubectl apply of the pull secrets failed: ${await new Response(child.stderr).text()}`);
}

async function capture(argv: string[]): Promise<string> {
  const child = Bun.spawn(argv, { env: { ...process.env, ...robust.project.env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${argv.slice(0, 3).join(" ")} failed: ${err}`);
  return out;
}

/** What the cluster holds for a namespace: helm's release Secrets decoded (base64, base64, gzip), values, manifests, and the other objects. */
async function clusterText(namespace: string): Promise<{ text: string; releases: number }> {
  const { kube, helm } = robust.project;
  const kubectl = [kube.kubectl, "--kubeconfig", kube.kubeconfig, "--context", kube.context, "-n", namespace];
  const helmArgs = ["-n", namespace, "--kubeconfig", kube.kubeconfig, "--kube-context", kube.context];
  const secrets = JSON.parse(await capture([...kubectl, "get", "secrets", "-o", "json"])) as { items: { type: string; metadata: { name: string }; data?: Record<string, string> }[] };
  const texts: string[] = [];
  let releases = 0;
  for (const secret of secrets.items) {
    if (secret.metadata.name === PULL_SECRET) continue; // the test's own, for the kubelet
    if (secret.type === "helm.sh/release.v1") {
      releases++;
      texts.push(gunzipSync(Buffer.from(Buffer.from(secret.data!.release!, "base64").toString(), "base64")).toString());
    } else texts.push(JSON.stringify(secret));
  }
  texts.push(await capture([...kubectl, "get", "configmaps,deployments,pods,leases.coordination.k8s.io,events", "-o", "json"]));
  texts.push(await capture([helm.helm, "get", "values", "pipeline-app", "--all", "-o", "json", ...helmArgs]));
  texts.push(await capture([helm.helm, "get", "manifest", "pipeline-app", ...helmArgs]));
  return { text: texts.join("\n"), releases };
}

/** The pushed image's manifest and config, and the chart archive's files, read from the registry. */
async function pushedText(version: string): Promise<string> {
  const authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString("base64")}`;
  const get = async (path: string, accept?: string) => {
    const response = await fetch(`${registry.url}${path}`, { headers: { authorization, ...(accept ? { accept } : {}) } });
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
  const accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
  const texts: string[] = [];
  for (const repository of ["apps/pipeline-app", "charts/pipeline-app"]) {
    const manifest = await get(`/v2/${repository}/manifests/${version}`, accept);
    const parsed = JSON.parse(new TextDecoder().decode(manifest)) as { config: { digest: string }; layers: { digest: string; mediaType: string }[] };
    texts.push(new TextDecoder().decode(manifest), new TextDecoder().decode(await get(`/v2/${repository}/blobs/${parsed.config.digest}`)));
    for (const layer of parsed.layers) {
      const bytes = await get(`/v2/${repository}/blobs/${layer.digest}`);
      texts.push(Buffer.from(layer.mediaType.includes("gzip") || layer.mediaType.includes("helm.chart") ? gunzipSync(bytes) : bytes).toString("latin1"));
    }
  }
  return texts.join("\n");
}

interface SecretRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: any;
  readonly sample: SampleReport;
  readonly dirs: { tmp: string; home: string; summary: string; report: string };
}

/** One release with the secrets in its environment, sampled while it runs; TMPDIR and HOME are its own, so what it leaves is seen. */
async function releaseWithSecrets(name: string, args: string[], env: Record<string, string>, needles: Needle[]): Promise<SecretRun> {
  const tmp = join(scratch, name, "tmp");
  const home = join(scratch, name, "home");
  mkdirSync(tmp, { recursive: true });
  mkdirSync(home, { recursive: true });
  const summary = join(scratch, name, "step-summary.md");
  const report = join(scratch, name, "report.json");
  const sampler = sampleProcesses(needles, tmp, { binary: BINARY, cwd: robust.dir });
  const run = await robust.release([...args, "--report", report], { ...env, TMPDIR: tmp, HOME: home, GITHUB_STEP_SUMMARY: summary });
  const sample = await sampler.stop();
  const tree = Object.entries(sample.tree).map(([p, n]) => `${n} ${p}`).join(", ");
  console.log(`[secrets] ${name}: exit ${run.code} in ${run.seconds.toFixed(1)}s; /proc/*/cmdline of every process sampled ${sample.sweeps} times: ${sample.cmdlines} command lines read, ${sample.distinct} distinct processes (the run's own tree: ${tree}), ${sample.leaks.length} holding a secret`);
  return { code: run.code, stdout: run.stdout, stderr: run.stderr, json: run.json, sample, dirs: { tmp, home, summary, report } };
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

describe("the detectors see what they look for (a leak planted on purpose)", () => {
  test("raw and base64 at every alignment, in a command line, in a 0644 file", async () => {
    const secret = crypto.randomUUID().replaceAll("-", "");
    const needles = [needle("planted", secret)];
    for (const text of [`x${secret}y`, Buffer.from(`harmony:${secret}`).toString("base64"), Buffer.from(`{"auths":{"h":{"auth":"${secret}"}}}`).toString("base64")]) {
      expect(findSecrets(`{"auth":"${text}"}`, needles)).toEqual(["planted"]);
    }
    expect(findSecrets(Buffer.from(`harmony:${crypto.randomUUID()}`).toString("base64"), needles)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), "harmony-planted-"));
    try {
      const sampler = sampleProcesses(needles, dir, { binary: "/bin/sh", cwd: dir });
      await Bun.write(join(dir, "config.json"), JSON.stringify({ auths: { h: { auth: Buffer.from(`u:${secret}`).toString("base64") } } }));
      const child = Bun.spawn(["/bin/sh", "-c", "sleep 0.5", "sh", `--password=${secret}`], { cwd: dir });
      await child.exited;
      const sample = await sampler.stop();
      expect(sample.leaks).toEqual([expect.stringMatching(/^pid \d+ \(sh\): planted$/)]);
      expect(sample.tree).toMatchObject({ sh: 1, sleep: 1 });
      expect(sample.credentialFiles.map((f) => [f.path, f.mode.toString(8)])).toEqual([[join(dir, "config.json"), "644"]]);
      expect(filesWithSecrets([dir], needles).hits).toEqual([`${join(dir, "config.json")} (planted)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!ready)("secrets stay secret (htpasswd registry, full pipeline, real parts)", () => {
  test("a released tag: the password and the token appear nowhere, not even in a file for helm (it gets the chart, not the credentials)", async () => {
    const password = registry.password!;
    const token = `ghp_${crypto.randomUUID().replaceAll("-", "")}X9`;
    const needles = [needle("registry password", password), needle("token", token)];
    const run = await releaseWithSecrets("released", ["--from-tag", "pipeline-app-v1.0.0", "--debug"], { [PASSWORD_ENV]: password, GITHUB_TOKEN: token }, needles);
    expect(run.code).toBe(0);
    expect(run.json.steps.map((s: { status: string }) => s.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded", "succeeded"]);
    expect(run.json.image.ref).toStartWith(`${registry.host}/apps/pipeline-app:1.0.0@sha256:`);

    const channels: Record<string, string> = {
      stdout: run.stdout,
      stderr: run.stderr,
      "--report FILE": readIfThere(run.dirs.report),
      GITHUB_STEP_SUMMARY: readIfThere(run.dirs.summary),
      "pushed image and chart": await pushedText("1.0.0"),
    };
    let releases = 0;
    for (const [target, namespace] of Object.entries(robust.project.namespaces)) {
      const cluster = await clusterText(namespace);
      channels[`cluster ${target} (helm release secrets, values, manifest, objects)`] = cluster.text;
      releases += cluster.releases;
    }
    expect(channels.stderr).toContain("GET http"); // --debug was on: every registry exchange is on stderr
    expect(channels["--report FILE"]).toContain('"outcome": "succeeded"');
    expect(channels.GITHUB_STEP_SUMMARY).toContain("pipeline-app 1.0.0");
    expect(releases).toBe(2);
    const found = Object.entries(channels).flatMap(([channel, text]) => findSecrets(text, needles).map((n) => `${n} in ${channel}`));
    const bytes = Object.values(channels).reduce((sum, t) => sum + t.length, 0);
    console.log(`[secrets] released: ${Object.keys(channels).length} outputs checked (${(bytes / 1024).toFixed(0)} KiB, ${releases} helm release secrets decoded), ${found.length} holding a secret`);
    expect(found).toEqual([]);

    // Child processes: helm and docker ran while we sampled, and no command line held a secret.
    // (A child caught between fork and exec still shows harmony's command line: hence "at least".)
    expect(run.sample.tree.harmony).toBeGreaterThanOrEqual(1);
    expect(run.sample.tree.helm).toBeGreaterThan(0);
    expect(run.sample.tree.docker).toBeGreaterThan(0);
    expect(run.sample.leaks).toEqual([]);

    // helm installs the chart archive harmony fetched, so no file ever held the credentials for
    // it (when harmony cannot fetch, helm pulls with a 0600 file: tests/integration/deploy/helm.test.ts).
    expect(run.sample.credentialFiles).toEqual([]);
    const { helm, env, dir } = robust.project;
    const left = filesWithSecrets([run.dirs.tmp, run.dirs.home, env.DOCKER_CONFIG!, helm.env.HELM_CONFIG_HOME!, helm.env.HELM_CACHE_HOME!, helm.env.HELM_DATA_HOME!, dir], needles);
    console.log(`[secrets] released: credentials files seen while running: ${run.sample.credentialFiles.length}; files scanned afterwards: ${left.scanned}, holding a secret: ${left.hits.length}`);
    expect(left.hits).toEqual([]);
  }, 600_000);

  test("a wrong password: refused with a message about the credentials, the wrong password appears nowhere", async () => {
    const wrong = `wrong-${crypto.randomUUID().replaceAll("-", "")}`;
    const token = `glpat-${crypto.randomUUID().replaceAll("-", "")}`;
    const needles = [needle("wrong password", wrong), needle("token", token)];
    // Human output this time (no --json): the other way messages reach a CI log.
    const args = ["--from-tag", "pipeline-app-v1.0.1", "--debug"];
    const run = await releaseWithSecrets("refused", args, { [PASSWORD_ENV]: wrong, CI_JOB_TOKEN: token }, needles);
    expect(run.code).toBe(2);
    const said = run.stdout + run.stderr;
    expect(said).toContain(`registry ${registry.host} refused the credentials from settings (username ${registry.username}, password from $${PASSWORD_ENV})`);
    const found = findSecrets(said + readIfThere(run.dirs.report) + readIfThere(run.dirs.summary), needles);
    expect(found).toEqual([]);
    expect(run.sample.leaks).toEqual([]);
    const left = filesWithSecrets([run.dirs.tmp, run.dirs.home, robust.project.dir], needles);
    console.log(`[secrets] refused: ${said.split("\n").filter(Boolean).length} output lines checked, files scanned afterwards: ${left.scanned}, holding a secret: ${left.hits.length}`);
    expect(left.hits).toEqual([]);
  }, 600_000);
});
