/** Fault rules for the proxy: which requests get which fault, how many times. */
import type { Fault, FaultRule, RequestHead } from "./faults-proxy.ts";

/**
 * A rule from a list of faults, each taken by the first `times` requests it matches (Infinity:
 * every one). Requests from helm and the Docker daemon (the deploy pulling the chart and the image)
 * pass untouched: these tests are about harmony's publishing.
 */
export function faultPlan(entries: readonly { match: (r: RequestHead) => boolean; fault: Fault; times: number }[]): FaultRule {
  const left = entries.map((e) => e.times);
  return (request) => {
    if (/^(helm|docker|containerd)/i.test(request.userAgent)) return undefined;
    const i = entries.findIndex((e, n) => left[n]! > 0 && e.match(request));
    if (i < 0) return undefined;
    left[i]!--;
    return entries[i]!.fault;
  };
}

/** Request matchers by what the request does in the distribution API. */
export const requests = {
  blobUpload: (r: RequestHead) => r.method === "PUT" && /\/blobs\/uploads\/[^?]+\?.*digest=/.test(r.target),
  /** A blob upload whose body is longer than `bytes` (chunked bodies count as long). */
  blobUploadOver: (bytes: number) => (r: RequestHead) => requests.blobUpload(r) && (r.contentLength ?? Infinity) > bytes,
  uploadStart: (r: RequestHead) => r.method === "POST" && /\/blobs\/uploads\/(\?|$)/.test(r.target),
  blobHead: (r: RequestHead) => r.method === "HEAD" && /\/blobs\/sha256:/.test(r.target),
  manifestPut: (r: RequestHead) => r.method === "PUT" && /\/manifests\//.test(r.target),
  manifestRead: (r: RequestHead) => (r.method === "GET" || r.method === "HEAD") && /\/manifests\//.test(r.target),
  /** Anything past the first `GET /v2/` probes: the pushes themselves. */
  notProbe: (r: RequestHead) => r.target !== "/v2/",
  any: (_r: RequestHead) => true,
};
