import type { Readable } from "node:stream";
import { Slots, settledAll } from "../../concurrency/index.js";
import { Compression, type Descriptor, MediaTypes, sha256, shortDigest } from "../../oci/index.js";
import type { PushProgress } from "../../ports/index.js";
import type { RegistryClient } from "../../registry/index.js";
import { countedBlob, pushedLine } from "../../registry/progress.js";
import { type Artifact, isRawLayer, type RawLayer, type StoredBlob } from "../../sources/index.js";
import { type LayerCodec, layerCodec } from "./compress.js";

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
  /** How layers are compressed here (gzip unless given). */
  codec?: LayerCodec;
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
  readonly #progress: BlobProgress;
  readonly #codec: LayerCodec;

  constructor(readonly ctx: PushContext) {
    this.#slots = new Slots(ctx.concurrency);
    this.#codec = ctx.codec ?? layerCodec();
    this.#progress = new BlobProgress(ctx.onProgress);
  }

  async push(artifact: Artifact): Promise<PushedManifest> {
    if (artifact.kind === "index") {
      const children = await settledAll(artifact.children.map((child) => this.push(child)));
      for (const child of children) {
        await this.ctx.client.putManifest(this.ctx.repository, child.digest, child.mediaType, child.bytes);
      }
      return artifact;
    }
    if (artifact.kind === "manifest") {
      await settledAll(artifact.layers.map((layer) => this.#stored(layer)));
      await this.#stored(artifact.config); // last among blobs
      return artifact;
    }
    const layers = await settledAll(
      artifact.layers.map((layer) => {
        if (!isRawLayer(layer)) return this.#stored(layer);
        const known = this.ctx.known?.get(layer.diffId);
        if (!known) return this.#compressed(layer);
        this.#progress.alreadyThere(known.digest);
        return Promise.resolve(pick(known));
      }),
    );
    await this.#stored(artifact.config);
    return imageManifestOf(artifact.config.descriptor, layers, this.#codec);
  }

  /** A blob kept as stored: skipped when the repository has it, else uploaded and checked. */
  async #stored(blob: StoredBlob): Promise<Descriptor> {
    const { descriptor } = blob;
    if (descriptor.urls?.length) return descriptor;
    return this.#slots.run(async () => {
      const { client, repository } = this.ctx;
      if (await client.hasBlob(repository, descriptor.digest)) {
        this.#progress.alreadyThere(descriptor.digest);
        return descriptor;
      }
      const started = Date.now();
      await client.uploadBlob(
        repository,
        () => this.#progress.counted(blob.open(), descriptor.digest, descriptor.size),
        descriptor,
      );
      this.#progress.pushed(descriptor.digest, descriptor.size, started);
      return descriptor;
    });
  }

  /** An uncompressed layer: compress, hash and upload in one pass (the digest goes with the final PUT). */
  async #compressed(layer: RawLayer): Promise<Descriptor> {
    return this.#slots.run(async () => {
      const started = Date.now();
      // Counted before compression: the layer's size is known up front, the compressed size is not.
      const uploaded = await this.ctx.client.uploadBlob(this.ctx.repository, () =>
        this.#codec.compress(this.#progress.counted(layer.open(), layer.diffId, layer.size)),
      );
      this.#progress.pushed(uploaded.digest, uploaded.size, started);
      const descriptor = {
        mediaType: this.#codec.layerMediaType,
        digest: uploaded.digest,
        size: uploaded.size,
      };
      this.ctx.learned?.set(layer.diffId, descriptor);
      return descriptor;
    });
  }
}

/** The lines and live byte counts a push reports for its blobs, whichever way they are sent. */
export class BlobProgress {
  constructor(private readonly onProgress: ((progress: PushProgress) => void) | undefined) {}

  /** `0a1b2c3d4e5f: Pushed 12.0 MiB in 1.5 s (8.0 MiB/s)`. */
  pushed(digest: string, size: number, startedMs: number): void {
    this.onProgress?.({ line: pushedLine(digest, size, startedMs) });
  }

  alreadyThere(digest: string): void {
    this.onProgress?.({ line: `${shortDigest(digest)}: Layer already exists` });
  }

  /** `source` unchanged, its bytes reported as a live transfer of `digest` (out of `total`). */
  counted(source: Readable, digest: string, total: number | undefined): Readable {
    const report = this.onProgress;
    return countedBlob(source, digest, total, report && ((transfer) => report({ transfer })));
  }
}

/**
 * The manifest of an image whose layers were compressed here: Docker's for gzip layers (as docker
 * push writes it), OCI's for zstd ones (Docker's format has no zstd). Its bytes depend only on
 * the config, the layers and the codec, so the same image makes the same digest from a daemon or
 * from an archive.
 */
export function imageManifestOf(
  config: Descriptor,
  layers: readonly Descriptor[],
  codec: Pick<LayerCodec, "compression"> = layerCodec(),
): PushedManifest {
  const oci = codec.compression === Compression.zstd;
  const mediaType = oci ? MediaTypes.ociManifest : MediaTypes.dockerManifest;
  const bytes = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType,
        // The config's bytes are the same either way; only the name of their format differs.
        config: pick(oci ? { ...config, mediaType: MediaTypes.ociConfig } : config),
        layers: layers.map(pick),
      },
      null,
      3,
    ),
  );
  return { mediaType, bytes, digest: sha256(bytes) };
}

/** The descriptor fields a manifest carries, in a stable order (stable bytes, stable digest). */
export function pick(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, size: d.size, digest: d.digest, ...(d.urls ? { urls: d.urls } : {}) };
}
