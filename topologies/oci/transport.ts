/**
 * HTTP to one registry: picks the scheme (HTTPS, or plain HTTP where the endpoint allows it and the
 * server does not speak TLS), attaches authorization, answers challenges, follows redirects without
 * leaking credentials to another host, and retries what is safe to retry. Each exchange is reported
 * at debug level as method, URL and status: never headers, so never a secret.
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { Authenticator, type CredentialLookup } from "./auth.ts";
import { isCertificateError, isTlsProtocolError, type Endpoint } from "./endpoint.ts";
import { registryFailure } from "./registry-errors.ts";
import { DEFAULT_RESPONSE_TIMEOUT_MS, DEFAULT_RETRY, interrupted, isRetryableStatus, nextDelay, parseRetryAfter, sleep, type RetryPolicy } from "./retry.ts";

export interface RegistryRequest {
  readonly method: "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
  /** `/v2/…` on this registry, or an absolute URL the registry handed out (an upload location). */
  readonly url: string;
  readonly scopes: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** Called once per try, so a streamed body is created afresh for each. */
  readonly body?: () => RequestInit["body"] | undefined;
  /** False when a try may have half-happened on the server (a streamed upload): the caller restarts instead. */
  readonly retry?: boolean;
}

export interface TransportOptions {
  readonly endpoint: Endpoint;
  readonly credentials: CredentialLookup;
  /** Where credentials were looked for, for "none found" messages. */
  readonly places: () => string;
  readonly retry?: RetryPolicy;
  /** A try whose answer has not begun this long after the request went out fails (and may be retried). */
  readonly responseTimeoutMs?: number;
}

const MAX_REDIRECTS = 5;

export class Transport {
  readonly host: string;
  readonly auth: Authenticator;
  private base: Promise<string> | undefined;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: TransportOptions) {
    this.host = options.endpoint.host;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.auth = new Authenticator(this.host, options.credentials, (url, init, work) => this.fetchWithRetry(url, init, work), options.places);
  }

  /** `https://host` or `http://host`, found once by a `GET /v2/` that also learns the auth scheme. */
  baseUrl(work: WorkContext): Promise<string> {
    this.base ??= this.probe(work).catch((error: unknown) => {
      this.base = undefined; // a later call may try again (e.g. after the registry came up)
      throw error;
    });
    return this.base;
  }

  async send(request: RegistryRequest, work: WorkContext): Promise<Response> {
    const base = await this.baseUrl(work);
    const url = request.url.startsWith("/") ? `${base}${request.url}` : request.url;
    let scopes = [...request.scopes];
    const started = Date.now();
    let authRetried = false;
    for (let attempt = 0; ; ) {
      const authorization = await this.auth.authorization(scopes, work);
      const headers: Record<string, string> = { ...request.headers, ...(authorization ? { authorization } : {}) };
      let response: Response;
      try {
        response = await this.fetchFollowing(url, { method: request.method, headers, body: request.body?.() ?? null }, work);
      } catch (error) {
        if (error instanceof HarmonyError || request.retry === false) throw this.connectionError(error, work);
        const delay = nextDelay(this.retry, attempt++, Date.now() - started, undefined);
        if (delay === undefined) throw this.connectionError(error, work);
        work.reporter.debug(`${request.method} ${redact(url)}: ${String(error)}; retrying in ${Math.round(delay)} ms`);
        await sleep(delay, work.signal);
        continue;
      }
      work.reporter.debug(`${request.method} ${redact(url)} → ${response.status}`);
      if (response.status === 401 && !authRetried && this.auth.learn(response.headers.get("www-authenticate"), authorization !== undefined)) {
        authRetried = true;
        const wanted = this.auth.challengedScope();
        if (wanted && !scopes.includes(wanted)) scopes = [...scopes, wanted];
        await response.body?.cancel();
        continue;
      }
      if (isRetryableStatus(response.status) && request.retry !== false) {
        const delay = nextDelay(this.retry, attempt++, Date.now() - started, parseRetryAfter(response.headers.get("retry-after"), Date.now()));
        if (delay !== undefined) {
          work.reporter.debug(`${request.method} ${redact(url)}: ${response.status}; retrying in ${Math.round(delay)} ms`);
          await response.body?.cancel();
          await sleep(delay, work.signal);
          continue;
        }
      }
      return response;
    }
  }

  /** Sends and turns anything but the expected statuses into a HarmonyError saying what was being done. */
  async expect(request: RegistryRequest, ok: readonly number[], what: string, work: WorkContext): Promise<Response> {
    const response = await this.send(request, work);
    if (ok.includes(response.status)) return response;
    if (response.status === 401) {
      await response.body?.cancel();
      throw await this.auth.refused(what);
    }
    throw await registryFailure(this.host, what, response);
  }

  private async probe(work: WorkContext): Promise<string> {
    const { scheme } = this.options.endpoint;
    const tryScheme = async (s: "https" | "http") => {
      // Any HTTP answer settles the scheme: a 5xx is retried by the request that needs a 200 (signing
      // in), not here as well, which would double the wait and overrun preflight's bound.
      const response = await this.fetchWithRetry(`${s}://${this.host}/v2/`, { method: "GET" }, work, false);
      work.reporter.debug(`GET ${s}://${this.host}/v2/ → ${response.status}`);
      if (response.status === 401) this.auth.learn(response.headers.get("www-authenticate"), false);
      await response.body?.cancel();
      return `${s}://${this.host}`;
    };
    if (scheme !== "auto") return tryScheme(scheme);
    try {
      return await tryScheme("https");
    } catch (error) {
      // Only a server answering TLS in plain text may be spoken to in plain HTTP; a certificate
      // that fails verification is a trust problem and stays an error.
      if (!isTlsProtocolError(findCause(error))) throw error;
      return tryScheme("http");
    }
  }

  private async fetchWithRetry(url: string, init: RequestInit, work: WorkContext, retryStatuses = true): Promise<Response> {
    const started = Date.now();
    for (let attempt = 0; ; ) {
      try {
        const response = await this.fetchFollowing(url, init, work);
        if (!retryStatuses || !isRetryableStatus(response.status)) return response;
        const delay = nextDelay(this.retry, attempt++, Date.now() - started, parseRetryAfter(response.headers.get("retry-after"), Date.now()));
        if (delay === undefined) return response;
        work.reporter.debug(`${init.method} ${redact(url)}: ${response.status}; retrying in ${Math.round(delay)} ms`);
        await response.body?.cancel();
        await sleep(delay, work.signal);
      } catch (error) {
        if (error instanceof HarmonyError || isCertificateError(error) || isTlsProtocolError(error)) throw this.connectionError(error, work);
        const delay = nextDelay(this.retry, attempt++, Date.now() - started, undefined);
        if (delay === undefined) throw this.connectionError(error, work);
        work.reporter.debug(`${init.method} ${redact(url)}: ${String(error)}; retrying in ${Math.round(delay)} ms`);
        await sleep(delay, work.signal);
      }
    }
  }

  /** Redirects are followed by hand so the Authorization header never goes to another host. */
  private async fetchFollowing(url: string, init: RequestInit, work: WorkContext): Promise<Response> {
    let current = url;
    let headers = init.headers as Record<string, string> | undefined;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await this.fetchAnswered(current, { ...init, headers, redirect: "manual" }, work);
      const location = response.headers.get("location");
      const isRedirect = [301, 302, 303, 307, 308].includes(response.status) && location !== null;
      if (!isRedirect || (init.method !== "GET" && init.method !== "HEAD")) return withUrl(response, current);
      await response.body?.cancel();
      const next = new URL(location, current);
      if (next.host !== new URL(current).host && headers?.authorization) {
        const { authorization: _dropped, ...rest } = headers;
        headers = rest;
      }
      current = next.href;
    }
    throw new HarmonyError("failed", `registry ${this.host}: too many redirects from ${redact(url)}`);
  }

  /**
   * One fetch that gives up when the registry goes quiet: a server that accepts a request and never
   * answers would otherwise hang the release. The clock restarts with every body chunk sent, so a
   * large upload on a slow link is not cut; it stops once the answer begins. The error is a plain
   * one, which the callers treat like a dropped connection (retried, or the upload restarted).
   */
  private async fetchAnswered(url: string, init: RequestInit, work: WorkContext): Promise<Response> {
    const timeoutMs = this.options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    const quiet = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => quiet.abort(), timeoutMs);
    };
    const body =
      init.body instanceof ReadableStream
        ? init.body.pipeThrough(
            new TransformStream<Uint8Array, Uint8Array>({
              transform(chunk, controller) {
                rearm();
                controller.enqueue(chunk);
              },
            }),
          )
        : init.body;
    rearm();
    try {
      return await fetch(url, { ...init, body, signal: AbortSignal.any([work.signal, quiet.signal]), tls: this.options.endpoint.tls } as RequestInit);
    } catch (error) {
      if (quiet.signal.aborted && !work.signal.aborted) throw new Error(`no answer within ${timeoutMs / 1000}s of the request`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private connectionError(error: unknown, work: WorkContext): unknown {
    if (work.signal.aborted) return interrupted();
    if (error instanceof HarmonyError) return error;
    const cause = findCause(error);
    if (isCertificateError(cause)) {
      const { caFile } = this.options.endpoint;
      return new HarmonyError("failed", `registry ${this.host}: TLS certificate not trusted (${(cause as { code: string }).code})`, {
        cause,
        hint: caFile ? `${caFile} does not sign this registry's certificate` : "set caFile to the registry's CA certificate (PEM), or insecure: true to skip verification",
      });
    }
    // Bun appends advice for developers ("For more information, pass `verbose: true`…"): not for users.
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*For more information, pass `verbose: true`.*$/s, "");
    return new HarmonyError("failed", `cannot reach registry ${this.host}: ${message}`, { cause, hint: "check the registry url and that the registry is up" });
  }
}

function withUrl(response: Response, url: string): Response {
  if (response.url) return response;
  Object.defineProperty(response, "url", { value: url });
  return response;
}

function findCause(error: unknown): unknown {
  let current = error;
  while (current instanceof HarmonyError && current.cause !== undefined) current = current.cause;
  return current;
}

/** Upload locations carry opaque state in the query; it is not secret but it is noise. */
function redact(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}
