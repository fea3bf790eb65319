/** A repository of a registry as the place an image is copied to (sink) or from (source). */
import { HarmonyError, type WorkContext } from "../../capabilities/index.ts";
import type { BlobContent } from "./blob-upload.ts";
import type { ManifestBytes, RegistryClient } from "./client.ts";
import type { ImageSink, ImageSource } from "./image-copy.ts";
import type { Descriptor } from "./media-types.ts";
import { readVerified } from "./verify-stream.ts";

export class RegistrySink implements ImageSink {
  readonly name: string;

  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
  ) {
    this.name = `${client.host}/${repository}`;
  }

  hasBlob(digest: string, work: WorkContext): Promise<boolean> {
    return this.client.blobExists(this.repository, digest, work);
  }

  async writeBlob(blob: Descriptor, content: BlobContent, mountFrom: string | undefined, onBytes: (n: number) => void, work: WorkContext): Promise<"mounted" | "uploaded"> {
    return this.client.sendBlob(this.repository, blob, content, mountFrom, onBytes, work);
  }

  async putManifest(reference: string, manifest: ManifestBytes, work: WorkContext): Promise<void> {
    await this.client.putManifest(this.repository, reference, manifest, work);
  }
}

/** An image already in a registry: pushed elsewhere by mounting (same registry) or streaming its blobs. */
export class RegistrySource implements ImageSource {
  readonly name: string;

  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
    readonly digest: string,
  ) {
    this.name = `${client.host}/${repository}@${digest}`;
  }

  async root(work: WorkContext): Promise<ManifestBytes> {
    return this.manifest({ mediaType: "", digest: this.digest, size: 0 }, work);
  }

  async manifest(descriptor: Descriptor, work: WorkContext): Promise<ManifestBytes> {
    const found = await this.client.getManifest(this.repository, descriptor.digest, work);
    if (!found) throw new HarmonyError("failed", `${this.client.host}/${this.repository}@${descriptor.digest} is not in the registry`);
    return found;
  }

  blob(descriptor: Descriptor): BlobContent {
    return {
      kind: "stream",
      open: async (work) => readVerified(await this.client.fetchBlob(this.repository, descriptor.digest, work), descriptor.digest, descriptor.size),
    };
  }

  mountFrom(sink: ImageSink): string | undefined {
    return sink instanceof RegistrySink && sink.client.host === this.client.host ? this.repository : undefined;
  }
}
