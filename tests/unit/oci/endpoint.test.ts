import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarmonyError } from "../../../capabilities/index.ts";
import { isLoopback, parseEndpoint, repositoryPath } from "../../../topologies/oci/endpoint.ts";

describe("registry endpoints", () => {
  test("host, base path and scheme from the url setting", () => {
    const e = parseEndpoint({ url: "registry.example.com/team/sub" }, "/p");
    expect([e.host, e.basePath, e.scheme, e.tls.rejectUnauthorized]).toEqual(["registry.example.com", "team/sub", "https", true]);
    expect(repositoryPath(e, "app")).toBe("team/sub/app");
    expect(repositoryPath(parseEndpoint({ url: "oci://r.example.com:5000/" }, "/p"), "app")).toBe("app");
  });

  test("loopback may fall back to plain HTTP; other hosts only with insecure: true", () => {
    expect(parseEndpoint({ url: "127.0.0.1:5000" }, "/p").scheme).toBe("auto");
    expect(parseEndpoint({ url: "http://localhost:5000" }, "/p").scheme).toBe("http");
    expect(() => parseEndpoint({ url: "http://registry.example.com" }, "/p")).toThrow(HarmonyError);
    const insecure = parseEndpoint({ url: "http://registry.example.com", insecure: true }, "/p");
    expect([insecure.scheme, insecure.tls.rejectUnauthorized]).toEqual(["http", false]);
  });

  test("loopback still verifies certificates when it speaks TLS", () => {
    expect(parseEndpoint({ url: "127.0.0.1:5000" }, "/p").tls.rejectUnauthorized).toBe(true);
  });

  test("a CA file is read relative to the project and added to the system roots", () => {
    const dir = mkdtempSync(join(tmpdir(), "endpoint-"));
    writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
    const e = parseEndpoint({ url: "r.example.com", caFile: "ca.pem" }, dir);
    expect(e.caFile).toBe(join(dir, "ca.pem"));
    expect(e.tls.ca?.at(-1)).toContain("BEGIN CERTIFICATE");
    expect(e.tls.ca!.length).toBeGreaterThan(1);
    expect(() => parseEndpoint({ url: "r.example.com", caFile: "missing.pem" }, dir)).toThrow(/cannot read caFile/);
  });

  test("loopback hosts", () => {
    expect(["127.0.0.1:5000", "localhost", "[::1]:5000", "127.1.2.3"].every(isLoopback)).toBe(true);
    expect(["10.0.0.1", "registry.example.com", "localhost.example.com"].some(isLoopback)).toBe(false);
  });
});
