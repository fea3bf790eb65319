/** The `helm-test` smoke check: `helm test` on the target's release, its output as the evidence. */
import type { WorkContext } from "../../capabilities/index.ts";
import type { HelmTestSmokeCheck } from "../../scores/app-spec.ts";
import type { CheckResult, SmokeContext } from "../../scores/smoke.ts";
import { detectHelm, kubeArgs } from "../adapters/continuous-delivery/helm-cli.ts";
import { lastLine, runProcess } from "../adapters/continuous-delivery/process.ts";

export async function runHelmTestCheck(check: HelmTestSmokeCheck, context: SmokeContext, work: WorkContext, env: Readonly<Record<string, string | undefined>>): Promise<CheckResult> {
  const helm = await detectHelm(env, undefined, work);
  const argv = [helm.bin, "test", context.target.releaseName, ...kubeArgs(context.target), "--timeout", `${check.timeoutSeconds}s`, "--logs"];
  const result = await runProcess(argv, work, { env, label: "helm test" });
  if (result.code === 0) {
    const phases = result.stdout.split("\n").filter((l) => /Phase:/.test(l)).length;
    return { check: "helm-test", status: "passed", evidence: `helm test ${context.target.releaseName}: ${phases} test hook(s) succeeded` };
  }
  return { check: "helm-test", status: "failed", evidence: `helm test ${context.target.releaseName}: ${lastLine(result.stderr) || lastLine(result.stdout) || `exit ${result.code}`}` };
}
