/** Times whole commands the way a user feels them: wall clock, many runs, interleaved, median. */

export interface Timed {
  readonly label: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly runs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function once(argv: string[], env?: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = Bun.spawn(argv, { stdout: "ignore", stderr: "ignore", ...(env ? { env } : {}) });
  await child.exited;
  return performance.now() - started;
}

/** Runs each command `runs` times, alternating between them so drift hits both alike. */
export async function compare(commands: { label: string; argv: string[]; env?: Record<string, string> }[], runs: number): Promise<Timed[]> {
  const samples = commands.map(() => [] as number[]);
  for (const c of commands) await once(c.argv, c.env); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const [j, c] of commands.entries()) samples[j]!.push(await once(c.argv, c.env));
  }
  return commands.map((c, j) => {
    const sorted = samples[j]!.sort((a, b) => a - b);
    return { label: c.label, medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9), runs };
  });
}

export function row(t: Timed): string {
  return `  ${t.label.padEnd(48)} median ${t.medianMs.toFixed(1).padStart(7)} ms   p90 ${t.p90Ms.toFixed(1).padStart(7)} ms   (${t.runs} runs)`;
}
