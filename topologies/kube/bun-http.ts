/**
 * The HTTP transport @kubernetes/client-node uses, replaced by one built on Bun's fetch.
 *
 * Why: the client hands its TLS material (cluster CA, client certificate and key) to undici
 * through a `dispatcher`; Bun's fetch ignores dispatchers, so every call to an API server with a
 * private CA fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE (oven-sh/bun#7200). Bun's fetch takes the
 * same material through its own `tls` option, so we read it from the kubeconfig and pass it there.
 * Headers (tokens, exec credentials, impersonation) still come from the client's auth middleware.
 */
import { readFileSync } from "node:fs";
import type { Cluster, HttpLibrary, User } from "@kubernetes/client-node";

type K8s = typeof import("@kubernetes/client-node");

export interface KubeTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  serverName?: string;
}

function fileOrData(file: string | undefined, data: string | undefined): string | undefined {
  if (file) return readFileSync(file, "utf8");
  if (data) return Buffer.from(data, "base64").toString("utf8");
  return undefined;
}

/** The TLS settings a kubeconfig's current cluster and user ask for. */
export function tlsFor(cluster: Cluster, user: User | null): KubeTls {
  const tls: KubeTls = {};
  const ca = fileOrData(cluster.caFile, cluster.caData);
  if (ca !== undefined) tls.ca = ca;
  const cert = user ? fileOrData(user.certFile, user.certData) : undefined;
  const key = user ? fileOrData(user.keyFile, user.keyData) : undefined;
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster.tlsServerName) tls.serverName = cluster.tlsServerName;
  return tls;
}

export function bunHttpLibrary(k8s: K8s, tls: KubeTls): HttpLibrary {
  return k8s.wrapHttpLibrary({
    async send(request) {
      const body = request.getBody();
      const response = await fetch(request.getUrl(), {
        method: request.getHttpMethod(),
        headers: request.getHeaders(),
        body: body === undefined ? undefined : String(body),
        signal: request.getSignal(),
        tls,
      } as RequestInit);
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      // Responses are small JSON documents or log tails: read them whole.
      const data = Buffer.from(await response.arrayBuffer());
      return new k8s.ResponseContext(response.status, headers, {
        text: async () => data.toString("utf8"),
        binary: async () => data,
        stream: () => null,
      });
    },
  });
}
