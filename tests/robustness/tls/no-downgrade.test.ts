/**
 * No silent downgrade to plain HTTP, decided where a registry url is read (the endpoint parser that
 * every registry adapter, the chart access for helm and the base-image clients go through): HTTPS
 * with verification unless the host is loopback or the topology says `insecure: true`.
 */
import { describe, expect, test } from "bun:test";
import { HarmonyError } from "../../../capabilities/index.ts";
import { chartAccessFor } from "../../../topologies/chart-access.ts";
import { parseEndpoint } from "../../../topologies/oci/endpoint.ts";

const parse = (url: string, extra: { insecure?: boolean; caFile?: string } = {}) => parseEndpoint({ url, ...extra }, "/nonexistent");
const refusal = (url: string, extra: { insecure?: boolean } = {}) => {
  try {
    parse(url, extra);
  } catch (error) {
    return error as HarmonyError;
  }
  throw new Error(`${url} was accepted`);
};

/** Hosts that are not loopback, some of them dressed up to look like it. */
const REMOTE = ["registry.example.com", "registry.example.com:5000", "10.0.0.5:5000", "192.168.1.10", "127.0.0.1.nip.io:5000", "localhost.example.com", "[2001:db8::1]:5000"];
/** Urls whose request would go to another host than the one checked for loopback. */
const SMUGGLED = ["127.0.0.1:5000@registry.example.com", "localhost@registry.example.com", "http://127.0.0.1:5000@registry.example.com/team", "localhost:5000#.example.com", "localhost:5000?x=1", "local host:5000"];

describe("registry urls: plain HTTP only for loopback or an explicit insecure: true", () => {
  test("a non-loopback host is HTTPS with verification, never tried in plain HTTP", () => {
    for (const url of REMOTE) {
      const endpoint = parse(url);
      expect({ url, scheme: endpoint.scheme, verify: endpoint.tls.rejectUnauthorized }).toEqual({ url, scheme: "https", verify: true });
    }
    console.log(`[tls] ${REMOTE.length} non-loopback hosts: https with verification`);
  });

  test("http:// for a non-loopback host is a config error naming the way out", () => {
    for (const host of REMOTE) {
      const error = refusal(`http://${host}/team`);
      expect(error).toBeInstanceOf(HarmonyError);
      expect(error.kind).toBe("config");
      expect(error.message).toContain("plain HTTP is refused for a non-loopback host");
      expect(error.hint).toContain("insecure: true");
    }
  });

  test("a url that hides another host behind a loopback-looking prefix is refused, not taken as loopback", () => {
    for (const url of SMUGGLED) {
      const error = refusal(url);
      expect(error).toBeInstanceOf(HarmonyError);
      expect(error.kind).toBe("config");
      expect(error.message).toContain("is not a host name or address");
    }
    console.log(`[tls] ${SMUGGLED.length} urls smuggling another host refused`);
  });

  test("insecure: true is the explicit opt-in: plain HTTP allowed and verification off", () => {
    expect(parse("http://registry.example.com", { insecure: true })).toMatchObject({ scheme: "http", tls: { rejectUnauthorized: false } });
    expect(parse("registry.example.com", { insecure: true })).toMatchObject({ scheme: "auto", tls: { rejectUnauthorized: false } });
  });

  test("loopback may fall back to plain HTTP, but TLS stays verified", () => {
    for (const url of ["127.0.0.1:5000", "localhost:5000", "[::1]:5000", "127.1.2.3:80"]) {
      expect(parse(url)).toMatchObject({ scheme: "auto", tls: { rejectUnauthorized: true } });
    }
  });

  test("helm is told --plain-http only for a loopback registry without a CA; with a CA it verifies", () => {
    expect(chartAccessFor({ adapter: "registry", url: "127.0.0.1:5000/charts" }, "/nonexistent")).toEqual({ plainHttp: true });
    expect(chartAccessFor({ adapter: "registry", url: "registry.example.com/charts" }, "/nonexistent")).toEqual({});
    const ca = `${import.meta.dir}/no-downgrade.test.ts`; // any readable file: the parser only reads it
    expect(chartAccessFor({ adapter: "registry", url: "127.0.0.1:5000/charts", caFile: ca }, "/nonexistent")).toEqual({ caFile: ca });
  });
});
