import type { Readable } from "node:stream";
import type { PushProgress } from "../../ports/index.js";
import type { RegistryClient } from "../../registry/index.js";
import { countedBlob, pushedLine } from "../../registry/progress.js";
import {
  type Artifact,
  type Descriptor,
  isRawLayer,
  MediaTypes,
  type RawLayer,
  type StoredBlob,
  sha256,
} from "../../sources/index.js";
import { gzipLayer } from "./compress.js";

export const DEFAULT_CONCURRENCY = 4;

export interface PushedManifest {
  mediaType: string;
  bytes: Buffer;
  digest: string;
}

export interface PushContext {
  client: RegistryClient;
  repository: string;
  /** The first tag pushed: an image already under it with the same config lends its layers. */
  tag: string;
  concurrency: number;
  onProgress?: (progress: PushProgress) => void;
}

/**
 * Uploads every blob an artifact needs (skipping those the repository has), then returns the
 * manifest to PUT. For an index each child manifest is PUT by digest first. Nothing is tagged
 * here: the caller PUTs the returned manifest only once this has resolved, so no tag ever points
 * at a partial image.
 */
export async function pushArtifact(artifact: Artifact, ctx: PushContext): Promise<PushedManifest> {
  return new Pusher(ctx).push(artifact);
}

class Pusher {
  #active = 0;
  #waiting: (() => void)[] = [];
  #failed = false;

  constructor(readonly ctx: PushContext) {}

  async push(artifact: Artifact): Promise<PushedManifest> {
    if (artifact.kind === "index") {
      const children = await this.#all(artifact.children.map((child) => this.push(child)));
      for (const child of children) {
        await this.ctx.client.putManifest(this.ctx.repository, child.digest, child.mediaType, child.bytes);
      }
      return artifact;
    }
    if (artifact.kind === "manifest") {
      await this.#all(artifact.layers.map((layer) => this.#stored(layer)));
      await this.#stored(artifact.config); // last among blobs
      return artifact;
    }
    const reused = await this.#reusable(artifact.config, artifact.layers);
    const layers = await this.#all(
      artifact.layers.map((layer, i) =>
        reused?.[i]
          ? Promise.resolve(reused[i])
          : isRawLayer(layer)
            ? this.#compressed(layer)
            : this.#stored(layer),
      ),
    );
    await this.#stored(artifact.config);
    const bytes = Buffer.from(
      JSON.stringify(
        {
          schemaVersion: 2,
          mediaType: MediaTypes.dockerManifest,
          config: pick(artifact.config.descriptor),
          layers: layers.map(pick),
        },
        null,
        3,
      ),
    );
    return { mediaType: MediaTypes.dockerManifest, bytes, digest: sha256(bytes) };
  }

  /** A blob kept as stored: skipped when the repository has it, else uploaded and checked. */
  async #stored(blob: StoredBlob): Promise<Descriptor> {
    const { descriptor } = blob;
    if (descriptor.urls?.length) return descriptor;
    return this.#slot(async () => {
      const { client, repository } = this.ctx;
      if (await client.hasBlob(repository, descriptor.digest)) {
        this.#report(descriptor.digest, "Layer already exists");
        return descriptor;
      }
      const started = Date.now();
      await client.uploadBlob(
        repository,
        () => this.#counted(blob.open(), descriptor.digest, descriptor.size),
        descriptor,
      );
      this.#pushed(descriptor.digest, descriptor.size, started);
      return descriptor;
    });
  }

  /** An uncompressed layer: gzip, hash and upload in one pass (the digest goes with the final PUT). */
  async #compressed(layer: RawLayer): Promise<Descriptor> {
    return this.#slot(async () => {
      const started = Date.now();
      // Counted before compression: the layer's size is known up front, the compressed size is not.
      const uploaded = await this.ctx.client.uploadBlob(this.ctx.repository, () =>
        gzipLayer(this.#counted(layer.open(), layer.diffId, layer.size)),
      );
      this.#pushed(uploaded.digest, uploaded.size, started);
      return { mediaType: MediaTypes.dockerLayerGzip, digest: uploaded.digest, size: uploaded.size };
    });
  }

  /**
   * A docker-archive has no compressed digests until it is compressed; when the tag already holds
   * this very image (same config), its layers are the ones to reuse, so a warm re-push uploads
   * nothing. Only layers the registry confirms it has are reused.
   */
  async #reusable(
    config: StoredBlob,
    layers: (StoredBlob | RawLayer)[],
  ): Promise<(Descriptor | undefined)[] | undefined> {
    const { client, repository, tag } = this.ctx;
    const existing = await client.getManifest(repository, tag);
    if (existing?.mediaType !== MediaTypes.dockerManifest) return undefined;
    let doc: { config?: Descriptor; layers?: Descriptor[] };
    try {
      doc = JSON.parse(existing.bytes.toString("utf8"));
    } catch {
      return undefined;
    }
    if (doc.config?.digest !== config.descriptor.digest || doc.layers?.length !== layers.length)
      return undefined;
    return this.#all(
      doc.layers.map((d) =>
        this.#slot(async () => {
          if (!(await client.hasBlob(repository, d.digest))) return undefined;
          this.#report(d.digest, "Layer already exists");
          return pick(d);
        }),
      ),
    );
  }

  #pushed(digest: string, size: number, started: number): void {
    this.ctx.onProgress?.({ line: pushedLine(digest, size, started) });
  }

  #report(digest: string, what: string): void {
    this.ctx.onProgress?.({ line: `${digest.slice(7, 19)}: ${what}` });
  }

  #counted(source: Readable, digest: string, total: number): Readable {
    const report = this.ctx.onProgress;
    return countedBlob(source, digest, total, report && ((transfer) => report({ transfer })));
  }

  /** Runs `fn` when one of the `concurrency` slots is free; after a failure, queued work is dropped. */
  async #slot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#active >= this.ctx.concurrency)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#failed) {
      this.#waiting.shift()?.();
      throw new Error("skipped after an earlier failure");
    }
    this.#active++;
    try {
      return await fn();
    } catch (error) {
      this.#failed = true;
      throw error;
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }

  /** Waits for every task to settle (no upload outlives the push), then throws the first failure. */
  async #all<T>(tasks: Promise<T>[]): Promise<T[]> {
    const results = await Promise.allSettled(tasks);
    const failure = results.find(
      (r) => r.status === "rejected" && !/^skipped after/.test(String(r.reason?.message)),
    );
    if (failure) throw (failure as PromiseRejectedResult).reason;
    const skipped = results.find((r) => r.status === "rejected");
    if (skipped) throw (skipped as PromiseRejectedResult).reason;
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  }
}

/** The descriptor fields a manifest carries, in a stable order (stable bytes, stable digest). */
function pick(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, size: d.size, digest: d.digest, ...(d.urls ? { urls: d.urls } : {}) };
}
