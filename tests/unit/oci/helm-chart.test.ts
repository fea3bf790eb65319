import { describe, expect, test } from "bun:test";
import { chartAnnotations, chartConfig } from "../../../topologies/oci/helm-chart.ts";

const metadata = {
  apiVersion: "v2",
  name: "fleet-operator",
  version: "1.4.0+build.7",
  description: "Runs the fleet",
  home: "https://example.com/fleet",
  sources: ["https://git.example.com/fleet", "https://mirror.example.com/fleet"],
  maintainers: [{ name: "Ada", email: "ada@example.com" }, { name: "Bob" }],
  appVersion: 1.4,
  type: "application",
  annotations: { "example.com/team": "platform", "org.opencontainers.image.title": "overridden?" },
};

describe("helm chart artifact", () => {
  test("config: chart metadata as JSON in helm's field order, empty fields left out", () => {
    const config = JSON.parse(new TextDecoder().decode(chartConfig(metadata)));
    expect(Object.keys(config)).toEqual(["name", "home", "sources", "version", "description", "maintainers", "apiVersion", "appVersion", "annotations", "type"]);
    expect(config.appVersion).toBe("1.4");
  });

  test("annotations: the org.opencontainers.image.* ones helm derives, plus the chart's own", () => {
    expect(chartAnnotations(metadata, new Date("2026-01-02T03:04:05Z"))).toEqual({
      "example.com/team": "platform",
      "org.opencontainers.image.authors": "Ada (ada@example.com), Bob",
      "org.opencontainers.image.created": "2026-01-02T03:04:05Z",
      "org.opencontainers.image.description": "Runs the fleet",
      "org.opencontainers.image.source": "https://git.example.com/fleet",
      "org.opencontainers.image.title": "fleet-operator",
      "org.opencontainers.image.url": "https://example.com/fleet",
      "org.opencontainers.image.version": "1.4.0+build.7",
    });
  });

  test("an archive without a time (epoch) gets no created annotation rather than 1970", () => {
    expect(chartAnnotations({ apiVersion: "v2", name: "a", version: "1.0.0" }, new Date(0))).toEqual({
      "org.opencontainers.image.title": "a",
      "org.opencontainers.image.version": "1.0.0",
    });
  });
});
