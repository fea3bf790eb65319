// A real Kubernetes 1.20 cluster (tests/world/k8s.sh): etcd, kube-apiserver,
// controller-manager, scheduler and a kubelet running pods through the world's own
// dockerd, every listener on 127.0.0.1 with ports picked now. Only hostNetwork pods
// carry traffic (no kube-proxy/CNI/DNS): tests must never connect to a Service ClusterIP.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { DockerPart } from "./docker.ts";
import { ensure, starting, WorldError } from "./parts.ts";
import { K8S_BIN, K8S_CACHE, K8S_SH } from "./paths.ts";
import { freePort, run, tail } from "./proc.ts";
import { onTeardown, subdir } from "./state.ts";

export interface KubePart {
  /** Admin kubeconfig (cluster-admin via client certificate). */
  kubeconfig: string;
  context: string;
  /** "https://127.0.0.1:PORT" */
  apiServer: string;
  /** The cluster's own kubectl 1.20 (helm parts bring 1.31 / 1.35). */
  kubectl: string;
  /** { KUBECONFIG } for child processes. */
  env: Record<string, string>;
  /** The single node: hostname-override is the IP, so its InternalIP is 127.0.0.1. */
  nodeName: string;
  /** Directory holding the component logs (etcd.log, kubelet.log, …). */
  logDir: string;
}

const UP_TIMEOUT_MS = 300_000;

export async function startKube(docker: DockerPart): Promise<KubePart> {
  ensure("kube");
  const dir = subdir("kube");
  const env: Record<string, string> = {
    K8S_CACHE,
    K8S_STATE_LINK: join(dir, "..", "k8s.current"), // the reaper looks for this name
    TMPDIR: dir, // k8s.sh makes its run dir (pki, etcd, kubelet root, logs) here
    DOCKER_HOST: docker.host,
    KUBECTL: join(K8S_BIN, "kubectl"),
  };
  const pickPorts = () => {
    for (const p of ["ETCD_PORT", "ETCD_PEER_PORT", "API_PORT", "KCM_PORT", "SCHED_PORT", "KUBELET_PORT", "KUBELET_HEALTHZ_PORT"]) {
      env[p] = String(freePort());
    }
  };
  // Registered before `up`: a half-started cluster is stopped too (down is idempotent).
  onTeardown("k8s.sh down", async () => {
    const r = await run(["bash", K8S_SH, "down"], { env, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`k8s.sh down failed (${r.code}):\n${r.stderr.slice(-2000)}`);
  });
  const upLog = join(dir, "up.log");
  return starting("kube", [upLog], async () => {
    let kubeconfig = "";
    // A port picked now can be taken by a concurrent run before a component binds it.
    for (let attempt = 1; ; attempt++) {
      pickPorts();
      const r = await run(["bash", K8S_SH, "up"], { env, timeoutMs: UP_TIMEOUT_MS });
      await Bun.write(upLog, r.stdout + r.stderr);
      kubeconfig = /export KUBECONFIG=(\S+)/.exec(r.stdout)?.[1] ?? "";
      if (r.code === 0 && kubeconfig) break;
      const logs = componentLogs(dir);
      if (attempt < 3 && /already in use/.test(r.stderr + logs)) continue;
      throw new WorldError("kube", `k8s.sh up failed (exit ${r.code}):\n${tail(upLog, 30)}\n${logs}`);
    }
    return {
      kubeconfig,
      context: "k8s-local",
      apiServer: `https://127.0.0.1:${env.API_PORT}`,
      kubectl: join(K8S_BIN, "kubectl"),
      env: { KUBECONFIG: kubeconfig },
      nodeName: "127.0.0.1",
      logDir: join(kubeconfig, "..", "log"),
    };
  });
}

/** Tails of every component log of a failed `up` (k8s.sh keeps the run dir then). */
function componentLogs(dir: string): string {
  const out: string[] = [];
  for (const run of readdirSync(dir).filter((n) => n.startsWith("k8s-local."))) {
    const logs = join(dir, run, "log");
    if (!existsSync(logs)) continue;
    for (const f of readdirSync(logs)) out.push(`--- ${f} (tail) ---\n${tail(join(logs, f), 15)}`);
  }
  return out.join("\n");
}
