// Preloaded by `bun test` (bunfig.toml [test] preload). An afterAll registered in a
// preload runs once, after the last test file of the run (checked with bun 1.4.5), so the
// world's parts — started lazily by whichever test needs them first — are stopped
// exactly once. Importing nothing else keeps unit-only runs free of any start-up cost.
import { afterAll } from "bun:test";
import { world } from "./index.ts";

afterAll(() => world.teardown(), { timeout: 240_000 });

// Ctrl-C / a CI runner's SIGTERM: still stop our daemons and cluster (by their PIDs).
// A SIGKILLed run is cleaned up by the next run's reaper (tests/world/state.ts).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`[world] ${signal}: tearing down the test world`);
    world
      .teardown()
      .catch((e: unknown) => console.error(String(e)))
      .finally(() => process.exit(130));
  });
}
