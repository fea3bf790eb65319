/**
 * A throw-away copy of fixtures/pipeline wired to this run's test world: its registry, cluster and
 * helm. The manifest is written per scenario so a test can change one thing (a smoke check).
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { world, type HelmPart, type KubePart, type RegistryPart } from "../world/index.ts";
import { harmony, ROOT, type Ran } from "./binary.ts";

export interface PipelineProject {
  readonly dir: string;
  readonly registry: RegistryPart;
  readonly kube: KubePart;
  readonly helm: HelmPart;
  readonly namespaces: { readonly staging: string; readonly production: string };
  readonly ports: { readonly staging: number; readonly production: number };
  readonly env: Record<string, string>;
  writeManifest(options?: { stagingBody?: string; productionContainer?: Record<string, unknown> }): void;
  release(args: string[]): Promise<Ran & { json?: any }>;
  cleanup(): void;
}

export async function pipelineProject(helmMajor: 3 | 4 = 3): Promise<PipelineProject> {
  const [registry, docker, kube, helm] = await Promise.all([world.registry(), world.docker(), world.kube(), world.helm(helmMajor)]);
  const base = await world.baseImage(registry);
  const dir = mkdtempSync(join(tmpdir(), "harmony-pipeline-"));
  cpSync(join(ROOT, "fixtures/pipeline"), dir, { recursive: true });
  const id = crypto.randomUUID().slice(0, 6);
  const namespaces = { staging: `pl-${id}-staging`, production: `pl-${id}-production` };
  const ports = { staging: await world.freePort(), production: await world.freePort() };
  const env: Record<string, string> = {
    ...docker.env,
    ...helm.env,
    HARMONY_HELM: helm.helm,
    HARMONY_TOPOLOGY: "ci",
    PATH: `${join(helm.kubectl, "..")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  };
  const target = (name: "staging" | "production") => ({
    namespace: namespaces[name],
    kubeconfig: kube.kubeconfig,
    context: kube.context,
    baseUrl: `http://127.0.0.1:${ports[name]}`,
  });
  const project: PipelineProject = {
    dir,
    registry,
    kube,
    helm,
    namespaces,
    ports,
    env,
    writeManifest: ({ stagingBody, productionContainer } = {}) => {
      const manifest = {
        apps: [
          {
            name: "pipeline-app",
            projectRoot: "app",
            image: { dockerfile: { buildArgs: { BASE: base } } },
            chart: { directory: "chart" },
            smoke: [
              { type: "http", url: "{{baseUrl}}/", bodyMatches: "pipeline-app", timeoutSeconds: 60, targets: ["production"] },
              { type: "http", url: "{{baseUrl}}/", bodyMatches: stagingBody ?? "pipeline-app", timeoutSeconds: stagingBody ? 3 : 60, targets: ["staging"] },
            ],
            values: { staging: { port: ports.staging }, production: { port: ports.production, ...(productionContainer ? { containerExtras: productionContainer } : {}) } },
          },
        ],
        targets: { staging: target("staging"), production: target("production") },
        topologies: {
          ci: {
            containerBuilder: { adapter: "docker" },
            ociRegistry: { adapter: "registry", url: `${registry.host}/apps` },
            helmRegistry: { adapter: "registry", url: `${registry.host}/charts` },
            continuousDelivery: { adapter: "helm", timeoutSeconds: 120 },
          },
        },
      };
      writeFileSync(join(dir, "harmony.yaml"), stringify(manifest));
    },
    release: async (args) => {
      const ran = await harmony(["release", "--json", ...args], { cwd: dir, env });
      let json: unknown;
      try {
        json = JSON.parse(ran.stdout);
      } catch {
        json = undefined;
      }
      if (process.env.HARMONY_TEST_VERBOSE || ran.code !== 0) console.error(`[harmony ${args.join(" ")}] exit ${ran.code}\n${ran.stderr.slice(-3000)}`);
      return { ...ran, json };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  project.writeManifest();
  return project;
}

/** `helm list` of one namespace: release name → chart version and status. */
export async function helmReleases(p: PipelineProject, namespace: string): Promise<{ name: string; chart: string; status: string; revision: string }[]> {
  const child = Bun.spawn([p.helm.helm, "list", "-n", namespace, "-o", "json", "--kubeconfig", p.kube.kubeconfig, "--kube-context", p.kube.context], { env: p.env, stdout: "pipe", stderr: "pipe" });
  const out = await new Response(child.stdout).text();
  await child.exited;
  return JSON.parse(out || "[]");
}

export async function helmHistory(p: PipelineProject, namespace: string, release: string): Promise<{ revision: number; chart: string; status: string; description: string }[]> {
  const child = Bun.spawn([p.helm.helm, "history", release, "-n", namespace, "-o", "json", "--kubeconfig", p.kube.kubeconfig, "--kube-context", p.kube.context], { env: p.env, stdout: "pipe", stderr: "pipe" });
  const out = await new Response(child.stdout).text();
  await child.exited;
  return JSON.parse(out || "[]");
}
