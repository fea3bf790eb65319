/**
 * A fault-injecting TCP proxy on 127.0.0.1 in front of a real registry. It reads just enough
 * HTTP/1.1 to see where each request starts and where its body ends (Content-Length or chunked),
 * so a rule can answer a request itself (500, 503, 429 with Retry-After), cut the connection after
 * N body bytes, or swallow the request and never answer. Everything else is passed through byte for
 * byte — including what is not HTTP at all, such as the TLS ClientHello a client sends to learn
 * whether the port speaks HTTPS — so the registry answers exactly as it would without us.
 *
 * It counts what it injected and how many of those requests the client tried again, so a test can
 * print "12 injected, 12 retried".
 */
import type { Socket, TCPSocketListener } from "bun";
import { chunkedFraming, lengthFraming, operationKey, Outbox, type BodyFraming } from "./faults-http-wire.ts";

export type Fault =
  | { readonly kind: "status"; readonly status: 500 | 503 | 429; readonly retryAfterSeconds?: number }
  /** Forwards the head and this many body bytes, then resets the connection (mid-blob). */
  | { readonly kind: "reset"; readonly afterBodyBytes: number }
  /** Reads the whole request and never answers. */
  | { readonly kind: "stall" };

export interface RequestHead {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly target: string;
  readonly userAgent: string;
  /** Content-Length, when the body is not chunked. */
  readonly contentLength: number | undefined;
}

export type FaultRule = (request: RequestHead) => Fault | undefined;

export interface ProxyCounters {
  /** Plain HTTP requests seen (passed through or answered by us). */
  requests: number;
  /** Connections that did not start with an HTTP request (TLS), passed through untouched. */
  passthrough: number;
  /** Faults that took effect (a reset counts only once its byte count was reached). */
  injected: number;
  byKind: Record<string, number>;
  /** Faulted operations the client sent again afterwards (same method and resource). */
  retried: number;
  /** One line per injected fault, for messages. */
  log: string[];
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`, to use as a registry url. */
  readonly host: string;
  readonly counters: ProxyCounters;
  /** Replaces the rule and zeroes the counters: one call per scenario. */
  scenario(rule: FaultRule): void;
  stop(): void;
}

const CRLF_CRLF = Buffer.from("\r\n\r\n");
const REASONS: Record<number, [string, string]> = {
  500: ["Internal Server Error", "UNKNOWN"],
  503: ["Service Unavailable", "UNAVAILABLE"],
  429: ["Too Many Requests", "TOOMANYREQUESTS"],
};

interface Connection {
  buffer: Buffer;
  mode: "head" | "body" | "raw" | "done";
  upstream: Outbox;
  upstreamSocket: Promise<Socket<unknown>> | undefined;
  framing: BodyFraming | undefined;
  fault: Fault | undefined;
  head: RequestHead | undefined;
  bodySeen: number;
  firstRequest: boolean;
}

export async function startFaultProxy(upstreamHost: string): Promise<FaultProxy> {
  const [upHostname, upPort] = [upstreamHost.split(":")[0]!, Number(upstreamHost.split(":")[1])];
  let rule: FaultRule = () => undefined;
  const counters: ProxyCounters = { requests: 0, passthrough: 0, injected: 0, byKind: {}, retried: 0, log: [] };
  const awaitingRetry = new Map<string, number>();
  const clients = new Set<Socket<Connection>>();

  const injected = (head: RequestHead, label: string) => {
    counters.injected++;
    counters.byKind[label] = (counters.byKind[label] ?? 0) + 1;
    counters.log.push(`${label} ${head.method} ${head.target.split("?")[0]}`);
    const key = operationKey(head);
    awaitingRetry.set(key, (awaitingRetry.get(key) ?? 0) + 1);
  };

  const openUpstream = (client: Socket<Connection>): void => {
    const conn = client.data;
    conn.upstreamSocket ??= Bun.connect({
      hostname: upHostname,
      port: upPort,
      socket: {
        open(socket) {
          conn.upstream.socket = socket;
          conn.upstream.flush();
        },
        data(_socket, data) {
          if (conn.mode !== "done") client.write(data);
        },
        drain() {
          conn.upstream.flush();
        },
        close() {
          client.end();
        },
        error() {
          client.end();
        },
      },
    });
    conn.upstreamSocket.catch(() => client.end());
  };

  const forward = (client: Socket<Connection>, bytes: Uint8Array) => {
    openUpstream(client);
    client.data.upstream.write(bytes);
  };

  const answer = (client: Socket<Connection>, head: RequestHead, fault: Extract<Fault, { kind: "status" }>) => {
    const [reason, code] = REASONS[fault.status]!;
    const body = head.method === "HEAD" ? "" : JSON.stringify({ errors: [{ code, message: "injected by the fault proxy" }] });
    const lines = [
      `HTTP/1.1 ${fault.status} ${reason}`,
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Connection: close",
      ...(fault.retryAfterSeconds !== undefined ? [`Retry-After: ${fault.retryAfterSeconds}`] : []),
    ];
    client.write(`${lines.join("\r\n")}\r\n\r\n${body}`);
    client.end();
  };

  const cut = (client: Socket<Connection>) => {
    const conn = client.data;
    conn.mode = "done";
    conn.upstream.end();
    client.terminate();
  };

  /** Starts a request whose head ends at `end` in the buffer. */
  const startRequest = (client: Socket<Connection>, end: number) => {
    const conn = client.data;
    const text = conn.buffer.subarray(0, end).toString("latin1");
    const [requestLine = "", ...headerLines] = text.split("\r\n");
    const [method = "", target = ""] = requestLine.split(" ");
    const headers = new Map(headerLines.filter(Boolean).map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
    const length = headers.get("content-length");
    const head: RequestHead = { method, target, userAgent: headers.get("user-agent") ?? "", contentLength: length === undefined ? undefined : Number(length) };
    counters.requests++;
    if (process.env.HARMONY_TEST_VERBOSE) console.error(`[proxy] ${head.method} ${head.target.split("?")[0]} (${head.userAgent})`);
    const key = operationKey(head);
    const waiting = awaitingRetry.get(key) ?? 0;
    if (waiting > 0) {
      counters.retried++;
      if (waiting === 1) awaitingRetry.delete(key);
      else awaitingRetry.set(key, waiting - 1);
    }
    const chunked = /chunked/i.test(headers.get("transfer-encoding") ?? "");
    conn.framing = chunked ? chunkedFraming() : lengthFraming(head.contentLength ?? 0);
    conn.fault = rule(head);
    conn.head = head;
    conn.bodySeen = 0;
    if (conn.fault?.kind === "status" || conn.fault?.kind === "stall") {
      injected(head, conn.fault.kind === "stall" ? "stall" : String(conn.fault.status));
    } else {
      forward(client, conn.buffer.subarray(0, end));
    }
    conn.buffer = conn.buffer.subarray(end);
    conn.mode = "body";
  };

  /** Moves body bytes on (or swallows them): is the body complete, still coming, or was the connection cut? */
  const continueBody = (client: Socket<Connection>): "complete" | "more" | "cut" => {
    const conn = client.data;
    const { used, done } = conn.framing!.take(conn.buffer);
    const fault = conn.fault;
    // Cut once N bytes went through and more of the body is still to come; a smaller body passes.
    const after = conn.bodySeen + used;
    if (fault?.kind === "reset" && (after > fault.afterBodyBytes || (after === fault.afterBodyBytes && !done))) {
      forward(client, conn.buffer.subarray(0, fault.afterBodyBytes - conn.bodySeen));
      injected(conn.head!, "reset");
      cut(client);
      return "cut";
    }
    if (fault === undefined || fault.kind === "reset") forward(client, conn.buffer.subarray(0, used));
    conn.bodySeen += used;
    conn.buffer = conn.buffer.subarray(used);
    return done ? "complete" : "more";
  };

  const pump = (client: Socket<Connection>) => {
    const conn = client.data;
    while (conn.mode !== "done") {
      if (conn.mode === "raw") {
        forward(client, conn.buffer);
        conn.buffer = Buffer.alloc(0);
        return;
      }
      if (conn.mode === "head") {
        if (conn.buffer.length === 0) return;
        // Not a request line (a TLS handshake probing for HTTPS): the registry answers it.
        if (conn.firstRequest && !/^[A-Z]/.test(String.fromCharCode(conn.buffer[0]!))) {
          counters.passthrough++;
          conn.mode = "raw";
          continue;
        }
        const end = conn.buffer.indexOf(CRLF_CRLF);
        if (end < 0) return;
        conn.firstRequest = false;
        startRequest(client, end + 4);
        continue;
      }
      // body
      if (continueBody(client) !== "complete") return;
      const fault = conn.fault;
      if (fault?.kind === "status") {
        answer(client, conn.head!, fault);
        conn.mode = "done";
        conn.upstream.end();
        return;
      }
      if (fault?.kind === "stall") {
        conn.mode = "done"; // swallow whatever follows; the client gives up and closes
        return;
      }
      conn.mode = "head";
    }
  };

  const listener: TCPSocketListener<Connection> = Bun.listen<Connection>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = {
          buffer: Buffer.alloc(0),
          mode: "head",
          upstream: new Outbox(),
          upstreamSocket: undefined,
          framing: undefined,
          fault: undefined,
          head: undefined,
          bodySeen: 0,
          firstRequest: true,
        };
        clients.add(client);
      },
      data(client, data) {
        const conn = client.data;
        if (conn.mode === "done") return;
        conn.buffer = conn.buffer.length === 0 ? Buffer.from(data) : Buffer.concat([conn.buffer, data]);
        pump(client);
      },
      close(client) {
        clients.delete(client);
        client.data.upstream.end();
      },
      error(client) {
        clients.delete(client);
        client.data.upstream.end();
      },
    },
  });

  return {
    host: `127.0.0.1:${listener.port}`,
    counters,
    scenario(next) {
      rule = next;
      awaitingRetry.clear();
      Object.assign(counters, { requests: 0, passthrough: 0, injected: 0, byKind: {}, retried: 0, log: [] });
    },
    stop() {
      for (const client of clients) client.terminate();
      listener.stop(true);
    },
  };
}
