// A fault-injecting proxy in front of the real registry: it answers some requests itself
// (503, 429 with Retry-After) before passing the rest through unchanged, so retries are tested
// against the registry's real answers. Upload locations are rewritten to point back at the proxy.
export interface Fault {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

export interface FlakyProxy {
  readonly host: string;
  /** Every request seen, as "METHOD /path → status". */
  readonly seen: string[];
  stop(): void;
}

export function startFlakyProxy(registryHost: string, faultFor: (method: string, path: string, count: number) => Fault | undefined, port = 0): FlakyProxy {
  const seen: string[] = [];
  const counts = new Map<string, number>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    maxRequestBodySize: 2 ** 32,
    async fetch(request) {
      const url = new URL(request.url);
      const key = `${request.method} ${url.pathname}`;
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      const fault = faultFor(request.method, url.pathname, count);
      if (fault) {
        seen.push(`${key} → ${fault.status} (injected)`);
        return new Response(null, { status: fault.status, headers: fault.headers ?? {} });
      }
      const headers = new Headers(request.headers);
      headers.delete("host");
      const upstream = await fetch(`http://${registryHost}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: request.body,
        redirect: "manual",
      });
      seen.push(`${key} → ${upstream.status}`);
      const out = new Headers(upstream.headers);
      const location = out.get("location");
      if (location) out.set("location", location.replace(registryHost, `127.0.0.1:${server.port}`));
      return new Response(upstream.body, { status: upstream.status, headers: out });
    },
  });
  return { host: `127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}
