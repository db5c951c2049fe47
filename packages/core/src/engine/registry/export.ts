import { createHash } from "node:crypto";
import { PassThrough, Readable, Transform } from "node:stream";
import { extract as untar } from "tar-stream";
import { Slots, settledAll } from "../../concurrency/index.js";
import { PushFailedError } from "../../errors/index.js";
import {
  type Descriptor,
  INDEX_MEDIA_TYPES,
  isSha256Digest,
  type ManifestDocument,
  MediaTypes,
  sha256,
} from "../../oci/index.js";
import type { PushProgress } from "../../ports/index.js";
import type { RegistryClient } from "../../registry/index.js";
import { normalize } from "../../sources/tar.js";
import type { ImageExport } from "../docker/engine.js";
import { type LayerCodec, layerCodec } from "./compress.js";
import { BlobProgress, imageManifestOf, type PushedManifest, pick } from "./push.js";
import type { SpoolFile, SpoolFolder } from "./spool.js";

/** Members read into memory: JSON documents (configs, manifests, indexes) are far smaller. */
const SMALL_BYTES = 4 * 1024 * 1024;

export interface ExportPushContext {
  client: RegistryClient;
  repository: string;
  /** The image as the daemon described it: its ID (config digest) and diff IDs, base first. */
  /**
   * The image as the daemon described it: its ID (config digest) and diff IDs, base first.
   * `deferLayers` (Windows images) holds every layer back until the export's manifest.json, the
   * last member, has said which are foreign (non-distributable): those are never uploaded.
   */
  image: { id: string; diffIds: readonly string[]; deferLayers?: boolean };
  /** Compressed blobs the repository holds for some of the layers, by diff ID: not sent again. */
  known: ReadonlyMap<string, Descriptor>;
  /** Receives each layer compressed here, by diff ID (for the layer cache). */
  learned: Map<string, Descriptor>;
  spool: SpoolFolder;
  /** How layers are compressed on their way to the spool (gzip unless given). */
  codec?: LayerCodec;
  concurrency: number;
  onProgress?: (progress: PushProgress) => void;
  debug?: (line: string) => void;
}

/**
 * Pushes an image while the daemon exports it. Both layouts `docker save` writes are read as a
 * stream: the classic one (`<id>/layer.tar` members, named so that a layer's diff ID is known only
 * once it has been read; podman's `<diff ID>.tar` are known by name) and the OCI one
 * (`blobs/sha256/<digest>`, uncompressed layers named by diff ID on the classic image store,
 * compressed ones by their own digest on containerd's).
 *
 * A layer the repository lacks is compressed as it arrives and uploaded from a spool file while
 * it is still being written; the export never waits for the network. A classic member that might
 * be a layer the repository has is spooled uncompressed while it is hashed, and compressed only if
 * its diff ID turns out to be missing. Nothing is tagged here: the manifest is returned to be PUT
 * once every blob is confirmed.
 */
export async function pushExport(source: ImageExport, ctx: ExportPushContext): Promise<PushedManifest> {
  return new ExportPusher(ctx).run(source);
}

class ExportPusher {
  readonly #slots: Slots;
  /** Uploads under way, as checked at the end (with what follows each: the descriptor, the file). */
  readonly #uploads: Promise<unknown>[] = [];
  /** Every upload started, settled or not: none may outlive the push. */
  readonly #started: Promise<unknown>[] = [];
  readonly #spooled: SpoolFile[] = [];
  /** Diff IDs seen in the export (classic members are known by their hash). */
  readonly #seen = new Set<string>();
  /** Small members kept whole: configs, manifests, indexes (by member name and by digest). */
  readonly #small = new Map<string, Buffer>();
  /** Already-compressed blobs of an OCI export that were uploaded or found in the repository. */
  readonly #blobs = new Map<string, Descriptor>();
  #config: Buffer | undefined;
  #layerCount = 0;
  /** Layers spooled until the end (deferLayers), by diff ID. */
  readonly #deferred = new Map<string, SpoolFile>();
  /** Foreign layers the export's manifest.json names: their descriptors go in the manifest as they are. */
  readonly #foreign = new Map<string, Descriptor>();

  readonly #progress: BlobProgress;
  readonly #codec: LayerCodec;

  constructor(readonly ctx: ExportPushContext) {
    this.#slots = new Slots(ctx.concurrency);
    this.#codec = ctx.codec ?? layerCodec();
    this.#progress = new BlobProgress(ctx.onProgress);
  }

  async run(source: ImageExport): Promise<PushedManifest> {
    try {
      const extract = untar();
      source.stream.on("error", (error) => extract.destroy(error));
      source.stream.pipe(extract);
      try {
        for await (const entry of extract) {
          // tar-stream's entries are streamx streams; Node's stream helpers want Node's.
          const body = Readable.from(entry, { objectMode: false });
          await this.#member(entry.header, body).catch((error: unknown) => {
            // A sentence of ours (the registry, the spool) stays as it is; a stream error is the
            // export breaking off.
            throw error instanceof PushFailedError ? new OwnFailure(error) : error;
          });
        }
      } catch (error) {
        source.kill();
        // A failure of ours (the registry, the spool) is the push's error as it is.
        if (error instanceof OwnFailure) throw error.cause;
        // A daemon that failed says why on stderr; that sentence beats a truncated tar's.
        await source.done;
        throw this.#exportBroke(source, error);
      }
      await source.done;
      this.#foreignLayers();
      await this.#deferredLayers();
      await this.#settled();
      return await this.#manifest(source);
    } finally {
      source.kill();
      // No upload outlives the push: removing the spool fails the readers of unfinished blobs
      // (a success has removed every file already), then every upload is waited for.
      await Promise.allSettled(this.#spooled.map((file) => file.remove()));
      await Promise.allSettled(this.#started);
    }
  }

  async #member(header: { name: string; size?: number; type?: string | null }, body: Readable) {
    const name = normalize(header.name);
    const size = header.size ?? 0;
    const blob = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
    if (header.type !== "file") return drain(body);
    // podman (and skopeo) name a layer `<diff ID>.tar` and link `<id>/layer.tar` to it.
    const named = /^([0-9a-f]{64})\.tar$/.exec(name);
    if (named && this.ctx.image.diffIds.includes(`sha256:${named[1]}`))
      return this.#layerNamed(`sha256:${named[1]}`, body);
    if (name.endsWith("/layer.tar") || named) return this.#classicLayer(body);
    if (blob) {
      const digest = `sha256:${blob[1]}`;
      if (this.ctx.image.diffIds.includes(digest)) return this.#layerNamed(digest, body);
      if (size <= SMALL_BYTES) return this.#keep(name, body, digest);
      return this.#compressedBlob(digest, size, body);
    }
    if (name.endsWith(".json") && size <= SMALL_BYTES) return this.#keep(name, body);
    return drain(body);
  }

  /** A classic `layer.tar`: its diff ID is its hash, known only at its end. */
  async #classicLayer(body: Readable): Promise<void> {
    if (this.ctx.image.deferLayers) return this.#deferLayer(body);
    if (this.#everyUnseenLayerIsMissing()) {
      // No layer still to come is in the repository: compress as it streams.
      const hash = createHash("sha256");
      const tapped = hashed(body, hash);
      const pending = this.#compressAndUpload(tapped, () => `sha256:${hash.digest("hex")}`);
      await pending.written;
      return;
    }
    // It may be one the repository has: hash it into a spool file, then decide.
    const { file, diffId } = await this.#spoolHashed(body);
    if (this.ctx.known.has(diffId) || this.ctx.learned.has(diffId)) {
      this.#alreadyThere(diffId);
      await file.remove();
      return;
    }
    const pending = this.#compressAndUpload(file.open(), () => diffId);
    this.#uploads.push(pending.written.finally(() => file.remove()));
  }

  /** A layer held back until the end: spooled and hashed, decided by #deferredLayers. */
  async #deferLayer(body: Readable): Promise<void> {
    const { file, diffId } = await this.#spoolHashed(body);
    if (this.#deferred.has(diffId)) await file.remove();
    else this.#deferred.set(diffId, file);
  }

  /** An uncompressed layer written to a spool file as it is hashed: its diff ID, known at its end. */
  async #spoolHashed(body: Readable): Promise<{ file: SpoolFile; diffId: string }> {
    const file = await this.ctx.spool.file();
    this.#spooled.push(file);
    const hash = createHash("sha256");
    await file.fill(hashed(body, hash));
    const diffId = `sha256:${hash.digest("hex")}`;
    this.#seen.add(diffId);
    return { file, diffId };
  }

  /** The foreign layers of this image, from the LayerSources of its entry in manifest.json. */
  #foreignLayers(): void {
    const bytes = this.#small.get("manifest.json");
    if (!bytes) return;
    let entries: { Config?: string; LayerSources?: Record<string, Descriptor> }[];
    try {
      entries = JSON.parse(bytes.toString("utf8"));
    } catch {
      return;
    }
    const hex = this.ctx.image.id.slice("sha256:".length);
    const own = Array.isArray(entries) ? entries.find((e) => e.Config?.includes(hex)) : undefined;
    for (const [diffId, source] of Object.entries(own?.LayerSources ?? {})) {
      if (source?.urls?.length && isSha256Digest(String(source.digest)))
        this.#foreign.set(diffId, pick(source));
    }
  }

  /** Held-back layers: a foreign one is dropped (never uploaded), any other compressed and sent. */
  async #deferredLayers(): Promise<void> {
    for (const [diffId, file] of this.#deferred) {
      if (this.#foreign.has(diffId) || this.ctx.known.has(diffId) || this.ctx.learned.has(diffId)) {
        if (!this.#foreign.has(diffId)) this.#alreadyThere(diffId);
        await file.remove();
        continue;
      }
      const pending = this.#compressAndUpload(file.open(), () => diffId);
      await pending.written;
      await file.remove();
    }
  }

  /** An uncompressed OCI blob named by its diff ID. */
  async #layerNamed(diffId: string, body: Readable): Promise<void> {
    if (this.ctx.image.deferLayers) return this.#deferLayer(body);
    this.#seen.add(diffId);
    if (this.ctx.known.has(diffId) || this.ctx.learned.has(diffId)) {
      this.#alreadyThere(diffId);
      return drain(body);
    }
    const pending = this.#compressAndUpload(body, () => diffId);
    await pending.written;
  }

  /**
   * Compressed into a spool file while uploading from it. `written` settles once the member has been
   * read (the export may go on); the upload is tracked and checked at the end. `diffIdOf` is asked
   * once the member is read (a classic member's diff ID is its hash).
   */
  #compressAndUpload(raw: Readable, diffIdOf: () => string): { written: Promise<void> } {
    const ctx = this.ctx;
    const written = (async () => {
      const file = await ctx.spool.file();
      this.#spooled.push(file);
      const started = Date.now();
      const filling = file.fill(this.#codec.compress(raw));
      // The upload follows the writer; a retry reads the file again from its start.
      const label = `sha256:layer ${++this.#layerCount}`;
      const upload = this.#slots.run(() =>
        ctx.client.uploadBlob(ctx.repository, () => this.#progress.counted(file.open(), label, undefined)),
      );
      upload.catch(() => {});
      this.#started.push(upload);
      await filling;
      const diffId = diffIdOf();
      this.#seen.add(diffId);
      this.#uploads.push(
        upload
          .then((uploaded) => {
            const descriptor = {
              mediaType: this.#codec.layerMediaType,
              digest: uploaded.digest,
              size: uploaded.size,
            };
            ctx.learned.set(diffId, descriptor);
            this.#progress.pushed(uploaded.digest, uploaded.size, started);
          })
          .finally(() => file.remove()),
      );
    })();
    return { written };
  }

  /** An already-compressed layer of an OCI export: sent as it is, unless the repository has it. */
  async #compressedBlob(digest: string, size: number, body: Readable): Promise<void> {
    const { client, repository } = this.ctx;
    if (await client.hasBlob(repository, digest)) {
      this.#blobs.set(digest, { mediaType: "", digest, size });
      this.#progress.alreadyThere(digest);
      return drain(body);
    }
    const file = await this.ctx.spool.file();
    this.#spooled.push(file);
    const started = Date.now();
    const upload = this.#slots.run(() =>
      client.uploadBlob(repository, () => this.#progress.counted(file.open(), digest, size), {
        digest,
        size,
      }),
    );
    upload.catch(() => {});
    this.#started.push(upload);
    await file.fill(body);
    this.#uploads.push(
      upload
        .then(() => {
          this.#blobs.set(digest, { mediaType: "", digest, size });
          this.#progress.pushed(digest, size, started);
        })
        .finally(() => file.remove()),
    );
  }

  async #keep(name: string, body: Readable, digest?: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    this.#small.set(name, bytes);
    const own = digest ?? (/^([0-9a-f]{64})\.json$/.exec(name) ? `sha256:${name.slice(0, 64)}` : undefined);
    if (own) this.#small.set(own, bytes);
    if (own === this.ctx.image.id && sha256(bytes) === own) this.#config = bytes;
  }

  /** Waits for every upload; the first failure (not one caused by an earlier one) is thrown. */
  async #settled(): Promise<void> {
    for (let done = 0; done < this.#uploads.length; ) {
      const batch = this.#uploads.slice(done);
      done = this.#uploads.length;
      await settledAll(batch);
    }
  }

  /** The manifest to PUT, after the config blob is in the repository. */
  async #manifest(source: ImageExport): Promise<PushedManifest> {
    const { image, known, learned } = this.ctx;
    const config = this.#config;
    if (!config) {
      throw new PushFailedError(
        "ImageExportIncomplete",
        `${source.command} did not include the image config ${image.id}: the image changed during the export, so push again.`,
      );
    }
    const diffIds = (JSON.parse(config.toString("utf8")) as { rootfs?: { diff_ids?: string[] } }).rootfs
      ?.diff_ids;
    const configDescriptor = { mediaType: MediaTypes.dockerConfig, digest: image.id, size: config.length };
    const layers = (diffIds ?? []).map(
      (diffId) => this.#foreign.get(diffId) ?? known.get(diffId) ?? learned.get(diffId),
    );
    if (diffIds && layers.every((layer) => layer !== undefined)) {
      await this.#putConfig(configDescriptor, config);
      return imageManifestOf(configDescriptor, layers as Descriptor[], this.#codec);
    }
    // Compressed blobs (containerd's image store): the export's own manifest, byte for byte.
    const own = this.#ownManifest();
    if (!own) {
      const missing = (diffIds ?? []).find((_, i) => !layers[i]) ?? "?";
      throw new PushFailedError(
        "ImageExportIncomplete",
        `${source.command} did not include layer ${missing} of the image: the image changed during the export, so push again.`,
      );
    }
    const { client, repository } = this.ctx;
    for (const layer of own.layers) {
      if (this.#blobs.has(layer.digest) || layer.urls?.length) continue;
      if (await client.hasBlob(repository, layer.digest)) continue;
      // A small layer was kept in memory with the documents: sent from there.
      const small = this.#small.get(layer.digest);
      if (small) {
        await client.uploadBlob(repository, () => passThrough(small), {
          digest: layer.digest,
          size: small.length,
        });
        continue;
      }
      throw new PushFailedError(
        "ImageExportIncomplete",
        `${source.command} did not include layer ${layer.digest} of the image: the image changed during the export, so push again.`,
      );
    }
    await this.#putConfig(configDescriptor, config);
    return own.manifest;
  }

  /** Among the small members: the image manifest whose config is this image. */
  #ownManifest(): { manifest: PushedManifest; layers: Descriptor[] } | undefined {
    for (const [key, bytes] of this.#small) {
      if (!key.startsWith("sha256:")) continue;
      let doc: ManifestDocument;
      try {
        doc = JSON.parse(bytes.toString("utf8"));
      } catch {
        continue;
      }
      if (doc.config?.digest !== this.ctx.image.id || !Array.isArray(doc.layers)) continue;
      if (doc.mediaType && INDEX_MEDIA_TYPES.includes(doc.mediaType)) continue;
      const mediaType = doc.mediaType ?? MediaTypes.ociManifest;
      return { manifest: { mediaType, bytes, digest: sha256(bytes) }, layers: doc.layers };
    }
    return undefined;
  }

  async #putConfig(descriptor: Descriptor, bytes: Buffer): Promise<void> {
    const { client, repository } = this.ctx;
    if (await client.hasBlob(repository, descriptor.digest)) return;
    await client.uploadBlob(repository, () => passThrough(bytes), {
      digest: descriptor.digest,
      size: bytes.length,
    });
  }

  /** True when no layer still to come in the export is one the repository has. */
  #everyUnseenLayerIsMissing(): boolean {
    const { known, learned, image } = this.ctx;
    return image.diffIds.every((d) => this.#seen.has(d) || !(known.has(d) || learned.has(d)));
  }

  #alreadyThere(diffId: string): void {
    const descriptor = this.ctx.known.get(diffId) ?? this.ctx.learned.get(diffId);
    if (descriptor) this.#progress.alreadyThere(descriptor.digest);
  }

  #exportBroke(source: ImageExport, error: unknown): unknown {
    if (error instanceof PushFailedError) return error;
    const why = (error as Error).message ?? String(error);
    return new PushFailedError(
      "ImageExportFailed",
      `${source.command} stopped before the image was complete (${why}), so nothing was pushed: check the daemon and its disk space, then retry.`,
      { cause: error },
    );
  }
}

class OwnFailure extends Error {
  constructor(override readonly cause: unknown) {
    super("failed while reading the export");
  }
}

/** `source` unchanged, its bytes fed to `hash` on the way. */
function hashed(source: Readable, hash: ReturnType<typeof createHash>): Readable {
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  source.on("error", (error) => tap.destroy(error));
  return source.pipe(tap);
}

function passThrough(bytes: Buffer): Readable {
  const stream = new PassThrough();
  stream.end(bytes);
  return stream;
}

async function drain(body: Readable): Promise<void> {
  for await (const _ of body) {
    // discarded: the registry has it, or it is not part of the image
  }
}
