/**
 * What a push did and how it went, for people (a plain line per blob through the reporter, so
 * logs of non-TTY CI runs read well) and for tests (counters that prove a re-push sent nothing).
 */
import type { Reporter } from "../../capabilities/index.ts";

/** Cumulative over an adapter's life; tests read it to prove dedupe. */
export interface TransferStats {
  /** Blob bytes handed to the network (retries included): 0 when a re-push found everything present. */
  blobBytesUploaded: number;
  blobsUploaded: number;
  blobsMounted: number;
  blobsPresent: number;
  manifestsPut: number;
}

export function newTransferStats(): TransferStats {
  return { blobBytesUploaded: 0, blobsUploaded: 0, blobsMounted: 0, blobsPresent: 0, manifestsPut: 0 };
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

/** Long blobs also get a line at each quarter, so a slow upload visibly moves. */
const QUARTER_LINES_FROM = 64 << 20;

export class PushProgress {
  private done_ = 0;
  private readonly before: TransferStats;

  constructor(
    private readonly reporter: Reporter,
    private readonly stats: TransferStats,
    private readonly target: string,
  ) {
    this.before = { ...stats };
  }

  start(): void {
    this.reporter.info(`pushing ${this.target}`);
  }

  /** A byte counter for one blob's upload. */
  counter(digest: string, size: number): (n: number) => void {
    let sent = 0;
    let nextLine = size >= QUARTER_LINES_FROM ? size / 4 : Infinity;
    return (n) => {
      sent += n;
      this.stats.blobBytesUploaded += n;
      while (sent >= nextLine && sent < size) {
        this.reporter.info(`  ${shortDigest(digest)} ${formatBytes(sent)} / ${formatBytes(size)}`);
        nextLine += size / 4;
      }
    };
  }

  blob(digest: string, size: number, outcome: "present" | "mounted" | "uploaded", from?: string): void {
    this.done_++;
    if (outcome === "present") this.stats.blobsPresent++;
    if (outcome === "mounted") this.stats.blobsMounted++;
    if (outcome === "uploaded") this.stats.blobsUploaded++;
    const what = outcome === "present" ? "already present" : outcome === "mounted" ? `mounted from ${from}` : "uploaded";
    this.reporter.info(`  [${this.done_}] ${shortDigest(digest)} ${formatBytes(size)}: ${what}`);
  }

  manifest(): void {
    this.stats.manifestsPut++;
  }

  done(digest: string, blobs: readonly { size: number }[]): void {
    const total = blobs.reduce((sum, b) => sum + b.size, 0);
    const sent = this.stats.blobBytesUploaded - this.before.blobBytesUploaded;
    const uploaded = this.stats.blobsUploaded - this.before.blobsUploaded;
    this.reporter.info(`pushed ${this.target}@${digest}: ${blobs.length} blobs (${formatBytes(total)}), ${uploaded} uploaded (${formatBytes(sent)} sent)`);
  }
}
