/**
 * The e2e pipeline project (tests/e2e/pipeline-project.ts) with the knobs the robustness tests
 * turn: the ci topology's registries (a fault proxy, an htpasswd or a TLS registry), extra
 * environment for one run (a password, a token, GITHUB_STEP_SUMMARY), and the chart's
 * imagePullSecrets for a registry the kubelet needs credentials for. The project is the same
 * throw-away copy; only its harmony.yaml, chart template and environment change.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { harmony, type Ran } from "../../e2e/binary.ts";
import { pipelineProject, type PipelineProject } from "../../e2e/pipeline-project.ts";

export interface RegistrySettings {
  readonly url: string;
  readonly caFile?: string;
  readonly insecure?: boolean;
  readonly username?: string;
  readonly passwordEnv?: string;
}

export interface RobustProject {
  readonly project: PipelineProject;
  readonly dir: string;
  /** Points the ci topology's ociRegistry and helmRegistry at `images` and `charts`. */
  useRegistries(images: RegistrySettings, charts: RegistrySettings): void;
  /** `dist/harmony release --json ARGS` in the project, with `env` added to the project's; timed for the printed figures. */
  release(args: string[], env?: Record<string, string>): Promise<Ran & { json?: any; seconds: number }>;
}

const manifestFile = (p: PipelineProject) => join(p.dir, "harmony.yaml");

function editManifest(p: PipelineProject, edit: (manifest: any) => void): void {
  const manifest = parse(readFileSync(manifestFile(p), "utf8"));
  edit(manifest);
  writeFileSync(manifestFile(p), stringify(manifest));
}

/** Renders `imagePullSecrets` from values, so the kubelet can pull from a registry that wants a login. */
function allowPullSecrets(p: PipelineProject): void {
  const template = join(p.dir, "app/chart/templates/deployment.yaml");
  const text = readFileSync(template, "utf8");
  if (text.includes("imagePullSecrets")) return;
  const patched = text.replace(
    "      hostNetwork: true\n",
    "      hostNetwork: true\n      {{- with .Values.imagePullSecrets }}\n      imagePullSecrets: {{ toJson . }}\n      {{- end }}\n",
  );
  if (patched === text) throw new Error(`${template}: no "hostNetwork: true" line to anchor imagePullSecrets on`);
  writeFileSync(template, patched);
}

export async function robustProject(options: { pullSecret?: string; helmMajor?: 3 | 4 } = {}): Promise<RobustProject> {
  const project = await pipelineProject(options.helmMajor ?? 3);
  if (options.pullSecret !== undefined) {
    allowPullSecrets(project);
    const secrets = [{ name: options.pullSecret }];
    editManifest(project, (m) => {
      for (const target of ["staging", "production"]) m.apps[0].values[target].imagePullSecrets = secrets;
    });
  }
  return {
    project,
    dir: project.dir,
    useRegistries(images, charts) {
      editManifest(project, (m) => {
        m.topologies.ci.ociRegistry = { adapter: "registry", ...images };
        m.topologies.ci.helmRegistry = { adapter: "registry", ...charts };
      });
    },
    async release(args, env = {}) {
      const started = performance.now();
      const ran = await harmony(["release", "--json", ...args], { cwd: project.dir, env: { ...project.env, ...env } });
      const seconds = (performance.now() - started) / 1000;
      let json: unknown;
      try {
        json = JSON.parse(ran.stdout);
      } catch {
        json = undefined;
      }
      if (process.env.HARMONY_TEST_VERBOSE) console.error(`[harmony ${args.join(" ")}] exit ${ran.code}\n${ran.stderr.slice(-3000)}`);
      return { ...ran, json, seconds };
    },
  };
}
