import { describe, expect, test } from "bun:test";
import { renderProblems } from "../../../topologies/adapters/continuous-delivery/manifest-check.ts";

const RENDERED = `---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
---
`;

describe("renderProblems", () => {
  test("each problem names the template helm rendered it from and the object", () => {
    const problems = renderProblems(RENDERED, (o) => ((o as { kind: string }).kind === "Deployment" ? ['spec.replicas: invalid type: expected integer, got string'] : []));
    expect(problems).toEqual(["web/templates/deployment.yaml: Deployment web: spec.replicas: invalid type: expected integer, got string"]);
  });

  test("empty documents are skipped; a valid render has no problems", () => {
    const seen: unknown[] = [];
    expect(renderProblems(RENDERED, (o) => (seen.push(o), []))).toEqual([]);
    expect(seen).toHaveLength(2);
  });
});
