/** From the validated YAML shape to the model's AppSpecs and TargetSpecs, with paths made absolute. */
import { resolve } from "node:path";
import type { AppSpec, ChartSource, ImageSource } from "../../scores/app-spec.ts";
import type { TargetSpec } from "../../scores/targets.ts";
import type { AppInput, ManifestInput } from "./schema.ts";

function imageSource(image: AppInput["image"], root: string): ImageSource {
  if (image.dockerfile) {
    const d = image.dockerfile;
    return {
      kind: "dockerfile",
      dockerfile: resolve(root, d.file),
      context: resolve(root, d.context),
      buildArgs: d.buildArgs,
      ...(d.target === undefined ? {} : { target: d.target }),
      platforms: d.platforms,
    };
  }
  if (image.buildable) return { kind: "buildable", generator: image.buildable };
  const f = image.files!;
  const config = {
    ...(f.entrypoint && { entrypoint: f.entrypoint }),
    ...(f.cmd && { cmd: f.cmd }),
    ...(f.env && { env: f.env }),
    ...(f.workdir && { workdir: f.workdir }),
    ...(f.user && { user: f.user }),
    ...(f.ports && { ports: f.ports }),
  };
  return { kind: "files", base: f.base, files: f.files.map((x) => ({ from: resolve(root, x.from), to: x.to })), config };
}

function chartSource(chart: AppInput["chart"], root: string): ChartSource {
  if (chart.directory !== undefined) return { kind: "directory", path: resolve(root, chart.directory) };
  const b = chart.builder!;
  if (b.kind === "module") return { kind: "builder", builder: { ...b, path: resolve(root, b.path) } };
  return { kind: "builder", builder: b };
}

export function toAppSpec(app: AppInput, manifestDir: string): AppSpec {
  const root = resolve(manifestDir, app.projectRoot);
  return {
    name: app.name,
    projectRoot: root,
    image: imageSource(app.image, root),
    chart: chartSource(app.chart, root),
    smoke: app.smoke,
    values: app.values,
  };
}

export function toTargetSpecs(m: ManifestInput, manifestDir: string): Record<string, TargetSpec> {
  const out: Record<string, TargetSpec> = {};
  for (const [name, t] of Object.entries(m.targets)) {
    out[name] = { ...t, name, ...(t.kubeconfig === undefined ? {} : { kubeconfig: resolve(manifestDir, t.kubeconfig) }) };
  }
  return out;
}
