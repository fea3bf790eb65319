/**
 * `bun run bench`: every benchmark, each comparing harmony with the real tool doing the same work
 * in the same run, printing ratios. BENCH_RUNS scales the repetitions; BENCH_ONLY=name,name picks.
 */
import { world } from "../world/index.ts";
import { buildBench } from "./build.ts";
import { chartBench } from "./chart.ts";
import { deployBench } from "./deploy.ts";
import { pipelineBench } from "./pipeline.ts";
import { pushBench } from "./push.ts";
import { startupBench } from "./startup.ts";

const runs = process.env.BENCH_RUNS === undefined ? undefined : Number(process.env.BENCH_RUNS);
const only = process.env.BENCH_ONLY?.split(",");
const benches: Record<string, () => Promise<unknown>> = {
  startup: () => startupBench(runs),
  chart: () => chartBench(runs),
  build: () => buildBench(runs),
  push: () => pushBench(runs === undefined ? 3 : Math.min(runs, 5)),
  deploy: () => deployBench(runs === undefined ? 5 : Math.min(runs, 10)),
  pipeline: () => pipelineBench(runs === undefined ? 3 : Math.min(runs, 5)),
};

try {
  for (const [name, bench] of Object.entries(benches)) {
    if (only && !only.includes(name)) continue;
    await bench();
    console.log("");
  }
} finally {
  await world.teardown();
}
