/** `bun run bench`: every benchmark, each comparing harmony with the real tool in the same run. */
import { world } from "../world/index.ts";
import { startupBench } from "./startup.ts";

try {
  await startupBench(Number(process.env.BENCH_RUNS ?? 40));
} finally {
  await world.teardown();
}
