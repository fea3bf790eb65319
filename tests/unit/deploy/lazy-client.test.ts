import { expect, test } from "bun:test";
import { join } from "node:path";

// @kubernetes/client-node is ~870 modules: importing the adapters (as the CLI's factory table
// does) must not load it; only a call that talks to a cluster does.
test("the deploy adapters load @kubernetes/client-node only when they talk to a cluster", async () => {
  const dir = join(import.meta.dir, "../../../topologies/adapters/continuous-delivery");
  const script = [
    `await import(${JSON.stringify(join(dir, "helm.ts"))});`,
    `await import(${JSON.stringify(join(dir, "argocd.ts"))});`,
    `await import(${JSON.stringify(join(dir, "gitops.ts"))});`,
    `console.log(Object.keys(require.cache).filter((k) => k.includes("@kubernetes/client-node")).length);`,
    `await import("@kubernetes/client-node");`,
    `console.log(Object.keys(require.cache).filter((k) => k.includes("@kubernetes/client-node")).length > 0);`,
  ].join("\n");
  const child = Bun.spawn([process.execPath, "-e", script], { cwd: join(import.meta.dir, "../../.."), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  expect(err).toBe("");
  expect(code).toBe(0);
  expect(out.trim().split("\n")).toEqual(["0", "true"]); // none before; the check itself can see it
});
