/**
 * The published chart's archive, fetched by digest with harmony's own registry client and handed
 * to helm as a file. Why: `helm upgrade oci://…` starts helm's registry client and pulls the chart
 * again for every target (about 90 ms each on loopback); one verified download serves every deploy
 * and render of a run, and helm then needs no registry credentials at all.
 *
 * It is an optimisation, never a new way to fail: when the download cannot be made (credentials only
 * helm knows of, from `helm registry login`), the caller lets helm pull as before.
 */
import { HarmonyError, type DeployableChart, type WorkContext } from "../../../capabilities/index.ts";
import type { AdapterEnv } from "../../create.ts";
import { connect } from "../../oci/connect.ts";
import { MEDIA, type Descriptor } from "../../oci/media-types.ts";
import { readVerified } from "../../oci/verify-stream.ts";
import { chartAccess } from "./scratch-files.ts";

export type ChartFetcher = (chart: DeployableChart, work: WorkContext) => Promise<Uint8Array | undefined>;

/** `oci://host:port/path/name` → host and repository. */
function ociParts(location: string): { host: string; repository: string } | undefined {
  const match = /^oci:\/\/([^/]+)\/(.+)$/.exec(location);
  return match ? { host: match[1]!, repository: match[2]! } : undefined;
}

async function download(chart: DeployableChart, parts: { host: string; repository: string }, env: AdapterEnv, work: WorkContext): Promise<Uint8Array> {
  const access = chartAccess(chart, env.env);
  const { client } = connect(
    {
      url: `${access.plainHttp ? "http://" : ""}${parts.host}`,
      ...(access.caFile !== undefined ? { caFile: access.caFile } : {}),
      ...(access.username !== undefined ? { username: access.username } : {}),
      ...(access.passwordEnv !== undefined ? { passwordEnv: access.passwordEnv } : {}),
    },
    env.projectDir,
    env.env,
  );
  const manifest = await client.getManifest(parts.repository, chart.digest, work);
  if (manifest === undefined) throw new HarmonyError("failed", `chart ${chart.location}@${chart.digest} is not in the registry`);
  const layers = (JSON.parse(new TextDecoder().decode(manifest.bytes)) as { layers?: Descriptor[] }).layers ?? [];
  const layer = layers.find((l) => l.mediaType === MEDIA.helmChart);
  if (layer === undefined) throw new HarmonyError("failed", `${chart.location}@${chart.digest} is not a helm chart (no ${MEDIA.helmChart} layer)`);
  return new Uint8Array(await new Response(readVerified(await client.fetchBlob(parts.repository, layer.digest, work), layer.digest, layer.size)).arrayBuffer());
}

/** One download per chart digest for the life of the adapter; undefined when helm must pull itself. */
export function chartFetcher(env: AdapterEnv): ChartFetcher {
  const fetched = new Map<string, Promise<Uint8Array | undefined>>();
  return (chart, work) => {
    const parts = ociParts(chart.location);
    if (parts === undefined) return Promise.resolve(undefined);
    const key = `${chart.location}@${chart.digest}`;
    let found = fetched.get(key);
    if (found === undefined) {
      found = download(chart, parts, env, work).catch((error: unknown) => {
        if (work.signal.aborted) throw error;
        work.reporter.debug(`fetching ${key} failed (${error instanceof Error ? error.message : String(error)}); helm pulls it instead`);
        fetched.delete(key);
        return undefined;
      });
      fetched.set(key, found);
    }
    return found;
  };
}
