/**
 * The e2e pipeline project (tests/e2e/pipeline-project.ts) under an app name of the test's own: the
 * world's registry and cluster are shared by every test file of a `bun test` run, so each file
 * publishes its own repository and chart and never meets the e2e test's `pipeline-app` versions.
 * The manifest is edited in place (never rewritten by the e2e helper's writeManifest again).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { pipelineProject, type PipelineProject } from "../../e2e/pipeline-project.ts";

export interface RobustProject extends PipelineProject {
  readonly app: string;
  /** Edits harmony.yaml: the app, its topology's continuousDelivery settings. */
  configure(edit: (manifest: any) => void): void;
}

export async function robustProject(app: string): Promise<RobustProject> {
  const project = await pipelineProject(3);
  const manifestFile = join(project.dir, "harmony.yaml");
  const configure = (edit: (manifest: any) => void) => {
    const manifest = parse(readFileSync(manifestFile, "utf8"));
    edit(manifest);
    writeFileSync(manifestFile, stringify(manifest));
  };
  configure((m) => {
    m.apps[0].name = app;
  });
  const chartFile = join(project.dir, "app/chart/Chart.yaml");
  writeFileSync(chartFile, readFileSync(chartFile, "utf8").replace(/^name: .*$/m, `name: ${app}`));
  return Object.assign(project, {
    app,
    configure,
    writeManifest: () => {
      throw new Error("robustProject: use configure(), writeManifest() would undo the app name");
    },
  });
}
