/**
 * Authorization for one registry host. The first 401 teaches the scheme: Basic sends the
 * credentials on every request; Bearer exchanges them at the token realm for a token per scope
 * set, cached until shortly before it expires. Credentials are looked up once, lazily, so a
 * registry that allows anonymous access never runs a credential helper.
 */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import { parseChallenge, type Challenge } from "./challenge.ts";
import type { Credential } from "./credentials.ts";

export type CredentialLookup = () => Promise<Credential | undefined>;

/** How a token request is sent: the transport supplies TLS settings and retries. */
export type TokenFetch = (url: string, init: RequestInit, work: WorkContext) => Promise<Response>;

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

const EXPIRY_MARGIN_MS = 10_000;

function basic(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username ?? ""}:${credential.password ?? ""}`).toString("base64")}`;
}

export class Authenticator {
  private challenge: Challenge | undefined;
  private credential: Promise<Credential | undefined> | undefined;
  /** Promises, so concurrent requests needing the same scopes share one token request. */
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly host: string,
    private readonly lookup: CredentialLookup,
    private readonly fetchToken: TokenFetch,
    private readonly places: () => string,
  ) {}

  credentials(): Promise<Credential | undefined> {
    this.credential ??= this.lookup();
    return this.credential;
  }

  /** The Authorization header for a request needing `scopes`, or undefined when none is known to be needed. */
  async authorization(scopes: readonly string[], work: WorkContext): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") {
      const credential = await this.credentials();
      return credential?.username !== undefined ? basic(credential) : undefined;
    }
    const key = [...scopes].sort().join(" ");
    const pending = this.tokens.get(key);
    if (pending) {
      const current = await pending.catch(() => undefined);
      if (current && current.expiresAt > Date.now()) return `Bearer ${current.token}`;
      // expired or failed: renew once, unless a concurrent caller already did
      if (this.tokens.get(key) !== pending) return this.authorization(scopes, work);
    }
    const renewed = this.requestToken(challenge, scopes, work);
    this.tokens.set(key, renewed);
    renewed.catch(() => this.tokens.delete(key));
    return `Bearer ${(await renewed).token}`;
  }

  /**
   * Learns from a 401. Returns true when retrying can help: the scheme was unknown, or a bearer
   * challenge asks for scopes that were not in the token (the caller adds them).
   */
  learn(header: string | null, hadAuthorization: boolean): boolean {
    const challenge = header ? parseChallenge(header) : undefined;
    if (!challenge) return false;
    if (challenge.scheme !== "basic" && challenge.scheme !== "bearer") {
      throw new HarmonyError("failed", `registry ${this.host} asks for "${challenge.scheme}" authentication, which harmony does not support`);
    }
    const changed = this.challenge?.scheme !== challenge.scheme || this.challenge.params.realm !== challenge.params.realm;
    this.challenge = challenge;
    if (changed) this.tokens.clear();
    return changed || !hadAuthorization;
  }

  /** The scope the last challenge named, so a request can ask for what the registry wants. */
  challengedScope(): string | undefined {
    return this.challenge?.params.scope;
  }

  /** A 401 after sending what we had: the registry refuses these credentials (or their rights). */
  async refused(what: string): Promise<HarmonyError> {
    const credential = await this.credentials();
    if (!credential) {
      return new HarmonyError("failed", `registry ${this.host} requires authentication for ${what}, and no credentials were found`, {
        hint: `log in (docker login ${this.host}), or set username and passwordEnv for this registry; looked in ${this.places()}`,
      });
    }
    return new HarmonyError("failed", `registry ${this.host} refused the credentials from ${credential.source} for ${what}`, {
      hint: "check the user name and password (or token), and that this account may push to that repository",
    });
  }

  private async requestToken(challenge: Challenge, scopes: readonly string[], work: WorkContext): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw new HarmonyError("failed", `registry ${this.host} sent a bearer challenge without a realm`);
    const credential = await this.credentials();
    const url = new URL(realm);
    const form = new URLSearchParams();
    if (challenge.params.service) form.set("service", challenge.params.service);
    for (const scope of scopes) form.append("scope", scope);
    let response: Response;
    if (credential?.identityToken) {
      // OAuth2 refresh-token grant, as docker does with an identity token
      form.set("grant_type", "refresh_token");
      form.set("refresh_token", credential.identityToken);
      form.set("client_id", "harmony");
      response = await this.fetchToken(url.href, { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } }, work);
    } else {
      for (const [k, v] of form) url.searchParams.append(k, v);
      const headers: Record<string, string> = credential?.username !== undefined ? { authorization: basic(credential) } : {};
      response = await this.fetchToken(url.href, { method: "GET", headers }, work);
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw await this.refused(`a token (${scopes.join(" ")})`);
    }
    if (!response.ok) {
      const text = (await response.text()).slice(0, 200);
      throw new HarmonyError("failed", `token service ${url.host} of registry ${this.host} answered ${response.status}: ${text}`);
    }
    const body = (await response.json()) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token) throw new HarmonyError("failed", `token service ${url.host} of registry ${this.host} returned no token`);
    const lifetimeMs = (body.expires_in ?? 60) * 1000;
    return { token, expiresAt: Date.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, 1000) };
  }
}
