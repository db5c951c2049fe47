import {
  compressionOf,
  type Descriptor,
  INDEX_MEDIA_TYPES,
  isForeignLayerType,
  type ManifestDocument,
} from "../../oci/index.js";
import type { StoredImage } from "../../ports/index.js";
import type { RegistryClient } from "../../registry/index.js";
import type { LayerCache } from "./cache.js";
import type { LayerCodec, LayerCompression } from "./compress.js";
import { pick } from "./push.js";

/** Images of the repository read for their layers, at most: the extra calls stay a handful. */
export const MAX_CANDIDATES = 4;
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** What identifies the image being pushed, before anything is uploaded. */
export interface ImageIdentity {
  /** Config digest (the image ID) of an image whose manifest is written here. */
  configDigest?: string;
  /**
   * How the layers of a manifest written here are compressed: a stored manifest of the same
   * config with other layers is another image to whoever pulls it (zstd is not gzip to Docker 20).
   */
  compression?: LayerCompression;
  /** Digest of a manifest or index pushed byte for byte (an OCI layout's). */
  manifestDigest?: string;
}

function parseManifest(image: StoredImage): ManifestDocument | undefined {
  try {
    const doc = JSON.parse(image.manifest) as ManifestDocument;
    return typeof doc === "object" && doc !== null ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** True when `stored` is this very image: the same manifest, or the same config (same image ID). */
export function isSameImage(stored: StoredImage | undefined, ours: ImageIdentity): boolean {
  if (!stored) return false;
  if (ours.manifestDigest) return stored.digest === ours.manifestDigest;
  const doc = parseManifest(stored);
  if (!ours.configDigest || doc?.config?.digest !== ours.configDigest || !Array.isArray(doc.layers))
    return false;
  // Foreign layers (Windows base layers) are referenced as they are, whatever the codec.
  const written = doc.layers.filter((layer) => !isForeignLayerType(layer.mediaType ?? ""));
  return (
    !ours.compression || written.every((layer) => compressionOf(layer.mediaType ?? "") === ours.compression)
  );
}

export interface ReuseContext {
  client: RegistryClient;
  repository: string;
  /** The layers wanted, by diff ID. */
  diffIds: readonly string[];
  cache: LayerCache;
  debug: (line: string) => void;
  /** Only blobs compressed the way this push compresses count: a manifest holds one kind. */
  codec: Pick<LayerCodec, "compression">;
}

/**
 * The compressed blobs the repository already holds for some of the image's layers, by diff ID,
 * with no local state: each candidate image's config maps its rootfs.diff_ids onto its manifest's
 * layers. Then the layer cache, for what the candidates did not cover: a hit in another repository
 * of the registry is mounted from there. Every blob is confirmed (HEAD) before it counts.
 */
export async function reusableLayers(
  candidates: readonly StoredImage[],
  ctx: ReuseContext,
): Promise<Map<string, Descriptor>> {
  const { client, repository, debug } = ctx;
  const wanted = new Set(ctx.diffIds);
  const sameKind = (mediaType: string) => compressionOf(mediaType) === ctx.codec.compression;
  const found = new Map<string, { layer: Descriptor; why: string }>();
  // Image manifests (not indexes), one per config, parsed once.
  const images = new Map<string, { image: StoredImage; config: string; layers: Descriptor[] }>();
  for (const image of candidates) {
    const doc = parseManifest(image);
    const config = doc?.config?.digest;
    if (!config || !Array.isArray(doc?.layers) || INDEX_MEDIA_TYPES.includes(doc?.mediaType ?? "")) continue;
    if (!images.has(config)) images.set(config, { image, config, layers: doc.layers });
  }
  for (const { image, config, layers } of [...images.values()].slice(0, MAX_CANDIDATES)) {
    if ([...wanted].every((d) => found.has(d))) break;
    const diffIds = await configDiffIds(client, repository, config).catch((error: unknown) => {
      debug(`Could not read config ${config}: ${(error as Error).message}`);
      return undefined;
    });
    if (!diffIds || diffIds.length !== layers.length) continue;
    diffIds.forEach((diffId, i) => {
      const layer = layers[i];
      if (
        wanted.has(diffId) &&
        layer &&
        !found.has(diffId) &&
        !layer.urls?.length &&
        sameKind(layer.mediaType)
      )
        found.set(diffId, { layer: pick(layer), why: `image ${image.digest.slice(0, 19)}` });
    });
  }
  const confirmed = new Map<string, Descriptor>();
  await Promise.all(
    [...found].map(async ([diffId, { layer, why }]) => {
      if (await client.hasBlob(repository, layer.digest)) {
        confirmed.set(diffId, layer);
        debug(`Reusing ${layer.digest} for layer ${diffId} (held by ${why}).`);
      }
    }),
  );
  await Promise.all(
    [...wanted]
      .filter((diffId) => !confirmed.has(diffId))
      .map(async (diffId) => {
        const hit = ctx.cache.get(diffId);
        if (!hit || !sameKind(hit.mediaType)) return;
        const layer = { mediaType: hit.mediaType, digest: hit.digest, size: hit.size };
        if (await client.hasBlob(repository, hit.digest)) {
          confirmed.set(diffId, layer);
          debug(`Reusing ${hit.digest} for layer ${diffId} (layer cache; already in ${repository}).`);
        } else if (
          hit.repository !== repository &&
          (await client.mountBlob(repository, hit.digest, hit.repository))
        ) {
          confirmed.set(diffId, layer);
          debug(`Reusing ${hit.digest} for layer ${diffId} (layer cache; mounted from ${hit.repository}).`);
        }
      }),
  );
  return confirmed;
}

/** The config blob's rootfs.diff_ids. */
async function configDiffIds(
  client: RegistryClient,
  repository: string,
  digest: string,
): Promise<string[] | undefined> {
  const { stream } = await client.openBlob(repository, digest);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_CONFIG_BYTES) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  const config = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { rootfs?: { diff_ids?: unknown } };
  const ids = config.rootfs?.diff_ids;
  return Array.isArray(ids) && ids.every((id) => typeof id === "string") ? (ids as string[]) : undefined;
}
