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
import { Slots, settledAll } from "./slots.js";

export const DEFAULT_CONCURRENCY = 4;

export interface PushedManifest {
  mediaType: string;
  bytes: Buffer;
  digest: string;
}

export interface PushContext {
  client: RegistryClient;
  repository: string;
  concurrency: number;
  onProgress?: (progress: PushProgress) => void;
  /** Compressed blobs the repository holds for uncompressed layers, by diff ID: not sent again. */
  known?: ReadonlyMap<string, Descriptor>;
  /** Receives each layer compressed here, by diff ID (for the layer cache). */
  learned?: Map<string, Descriptor>;
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
  readonly #slots: Slots;

  constructor(readonly ctx: PushContext) {
    this.#slots = new Slots(ctx.concurrency);
  }

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
    const layers = await this.#all(
      artifact.layers.map((layer) => {
        if (!isRawLayer(layer)) return this.#stored(layer);
        const known = this.ctx.known?.get(layer.diffId);
        if (!known) return this.#compressed(layer);
        this.#report(known.digest, "Layer already exists");
        return Promise.resolve(pick(known));
      }),
    );
    await this.#stored(artifact.config);
    return dockerManifestOf(artifact.config.descriptor, layers);
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
      const descriptor = {
        mediaType: MediaTypes.dockerLayerGzip,
        digest: uploaded.digest,
        size: uploaded.size,
      };
      this.ctx.learned?.set(layer.diffId, descriptor);
      return descriptor;
    });
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

  #slot<T>(fn: () => Promise<T>): Promise<T> {
    return this.#slots.run(fn);
  }

  #all<T>(tasks: Promise<T>[]): Promise<T[]> {
    return settledAll(tasks);
  }
}

/**
 * The manifest of an image whose layers were compressed here. Its bytes depend only on the config
 * and the layers, so the same image makes the same digest from a daemon or from an archive.
 */
export function dockerManifestOf(config: Descriptor, layers: readonly Descriptor[]): PushedManifest {
  const bytes = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: MediaTypes.dockerManifest,
        config: pick(config),
        layers: layers.map(pick),
      },
      null,
      3,
    ),
  );
  return { mediaType: MediaTypes.dockerManifest, bytes, digest: sha256(bytes) };
}

/** The descriptor fields a manifest carries, in a stable order (stable bytes, stable digest). */
export function pick(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, size: d.size, digest: d.digest, ...(d.urls ? { urls: d.urls } : {}) };
}
