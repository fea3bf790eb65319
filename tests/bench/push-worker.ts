/**
 * harmony's side of the push benchmark, run as its own process (so its start-up is counted, as the
 * real tools' is, and its peak memory is its own): prints one JSON line with the pushed digest,
 * the blob bytes it sent and its peak RSS (VmHWM from /proc/self/status).
 *
 *   bun tests/bench/push-worker.ts image   HOST REPO IMAGE_ID gzip|none
 *   bun tests/bench/push-worker.ts layout  HOST REPO LAYOUT_DIR DIGEST [CA_FILE]
 *   bun tests/bench/push-worker.ts chart   HOST ARCHIVE
 *   bun tests/bench/push-worker.ts package HOST CHART_DIR OUT_DIR VERSION
 */
import { readFileSync } from "node:fs";
import type { ImageArtifact } from "../../capabilities/index.ts";
import { recordingReporter } from "../../capabilities/index.ts";
import { packageChartDirectory, writeChartPackage } from "../../scores/chart/index.ts";
import { createOciHelmRegistry } from "../../topologies/adapters/helm-registry/oci.ts";
import { createRegistryOciRegistry } from "../../topologies/adapters/oci-registry/registry.ts";

function peakRssKiB(): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0");
}

const [command, host, ...rest] = process.argv.slice(2);
const env = { projectDir: process.cwd(), env: process.env };
const work = { reporter: recordingReporter(), signal: new AbortController().signal };

async function image(artifact: ImageArtifact, repository: string, settings: { compression?: "gzip" | "none"; caFile?: string }) {
  const registry = createRegistryOciRegistry({ adapter: "registry", url: host!, ...settings }, env);
  const published = await registry.push(artifact, { registry: host!, repository, tag: "1" }, work);
  return { digest: published.ref.digest, bytes: registry.stats.blobBytesUploaded };
}

async function chart(archivePath: string, name: string, version: string) {
  const charts = createOciHelmRegistry({ adapter: "registry", url: host! }, env);
  const published = await charts.push({ name, version, archivePath }, work);
  return { digest: published.digest, bytes: charts.stats.blobBytesUploaded };
}

async function main(): Promise<object> {
  switch (command) {
    case "image": {
      const [repository, imageId, compression] = rest as [string, string, "gzip" | "none"];
      return image({ kind: "daemon", imageId }, repository, { compression });
    }
    case "layout": {
      const [repository, path, digest, caFile] = rest as [string, string, string, string | undefined];
      return image({ kind: "oci-layout", path, digest }, repository, caFile ? { caFile } : {});
    }
    case "chart": {
      const [archive, name, version] = rest as [string, string, string];
      return chart(archive, name, version);
    }
    case "package": {
      const [dir, out, version] = rest as [string, string, string];
      const packaged = await packageChartDirectory(dir, { version });
      return chart(writeChartPackage(packaged, out), packaged.name, packaged.version);
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

const result = await main();
console.log(JSON.stringify({ ...result, peakRssKiB: peakRssKiB() }));
