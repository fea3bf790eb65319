/**
 * Start-up: `dist/harmony --release --from-tag not-a-tag` (loads, parses the manifest, rejects the
 * tag) against `helm version` (helm 3.17 from the npm layer package), in the same run.
 * Goal: ratio ≤ 1.5.
 */
import { ensureBinary, ROOT } from "../e2e/binary.ts";
import { world } from "../world/index.ts";
import { compare, row } from "./measure.ts";

export async function startupBench(runs = 40): Promise<number> {
  const binary = await ensureBinary();
  const helm = await world.helm(3);
  const [ours, theirs] = await compare(
    [
      { label: "harmony --release --from-tag not-a-tag", argv: [binary, "--release", "--from-tag", "not-a-tag", "--manifest", `${ROOT}/fixtures/demo/harmony.yaml`] },
      { label: `helm version (${helm.version})`, argv: [helm.helm, "version"], env: { ...helm.env, PATH: process.env.PATH ?? "" } },
    ],
    runs,
  );
  const ratio = ours!.medianMs / theirs!.medianMs;
  console.log("startup");
  console.log(row(ours!));
  console.log(row(theirs!));
  console.log(`  ratio harmony/helm: ${ratio.toFixed(2)}x (goal <= 1.5x)`);
  return ratio;
}

if (import.meta.main) {
  try {
    await startupBench(Number(process.env.BENCH_RUNS ?? 40));
  } finally {
    await world.teardown();
  }
}
