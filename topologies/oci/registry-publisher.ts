/**
 * The OciRegistry capability on a distribution registry, shared by the `registry` and `harbor`
 * adapters: they differ only in where repositories live and in what they check first.
 */
import { HarmonyError, imageName, type ImageArtifact, type ImageRef, type OciRegistry, type PublishedImage, type WorkContext } from "../../capabilities/index.ts";
import { accessProblems, requireTag, type Connection, type Env } from "./connect.ts";
import type { LayerCompression } from "./docker-export.ts";
import { repositoryPath } from "./endpoint.ts";
import { newTransferStats, type TransferStats } from "./progress.ts";
import { pushArtifact } from "./push-artifact.ts";
import { RegistrySink } from "./registry-image.ts";

/** An OciRegistry whose transfer counters can be read (tests prove dedupe with them). */
export interface CountingOciRegistry extends OciRegistry {
  readonly stats: TransferStats;
}

export interface PublisherOptions {
  readonly adapter: string;
  readonly connection: Connection;
  readonly env: Env;
  readonly compression?: LayerCompression;
  /** Runs once before the first push, after the credentials were accepted; throws to stop it (Harbor: the project must exist). */
  readonly beforePush?: (work: WorkContext) => Promise<void>;
  /** Extra preflight problems (Harbor: a missing project). */
  readonly preflightExtra?: (work: WorkContext) => Promise<string[]>;
}

export function registryPublisher(options: PublisherOptions): CountingOciRegistry {
  const { connection } = options;
  const { endpoint, client } = connection;
  const stats = newTransferStats();
  let ready: Promise<void> | undefined;
  const context = { env: options.env, stats, compression: options.compression ?? "gzip", clientFor: (host: string) => connection.clientFor(host) };
  return {
    adapter: options.adapter,
    stats,
    repositoryFor(app: string): ImageRef {
      return { registry: endpoint.host, repository: repositoryPath(endpoint, app) };
    },
    async push(artifact: ImageArtifact, to: ImageRef, work: WorkContext): Promise<PublishedImage> {
      if (to.registry !== endpoint.host) {
        throw new HarmonyError("failed", `${options.adapter} adapter pushes to ${endpoint.host}, not to ${imageName(to)}`);
      }
      const tag = requireTag(to);
      // Refused credentials or a missing project fail here, in milliseconds, not after exporting the image.
      ready ??= (async () => {
        await client.checkAccess(work);
        await options.beforePush?.(work);
      })().catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      await ready;
      const root = await pushArtifact(artifact, new RegistrySink(client, to.repository), tag, context, work);
      return { ref: { registry: to.registry, repository: to.repository, tag, digest: root.digest } };
    },
    async resolve(ref: ImageRef, work: WorkContext): Promise<string | undefined> {
      const client = ref.registry === endpoint.host ? connection.client : connection.clientFor(ref.registry);
      const reference = ref.digest ?? ref.tag ?? "latest";
      return client.headManifest(ref.repository, reference, work);
    },
    async preflight(work: WorkContext): Promise<readonly string[]> {
      const problems = await accessProblems(client, work);
      return problems.length > 0 || !options.preflightExtra ? problems : options.preflightExtra(work);
    },
  };
}
