// The image vocabulary every part of core speaks (sources, the registry client, the registry
// engine, copies, ECR calls): media types, the lists of them a request names, the descriptor,
// digests, and how a layer is compressed. Only names and small pure helpers live here.
import { createHash } from "node:crypto";

/** The media types core reads or writes (Docker image manifest v2 and the OCI image spec). */
export const MediaTypes = {
  // Docker image manifest v2, schema 2
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  /** A Windows base layer: named by its urls, never uploaded. */
  dockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  // Docker schema 1, which ECR still stores and returns for old images
  dockerManifestV1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerManifestV1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  // OCI image spec v1
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
} as const;

/** The media types of a multi-platform image (an index, a manifest list). */
export const INDEX_MEDIA_TYPES: readonly string[] = [MediaTypes.ociIndex, MediaTypes.dockerList];

/**
 * What a GET of a manifest accepts, in the order of its Accept header: image manifests first,
 * then indexes, each OCI before Docker.
 */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerList,
];

/** What ECR's BatchGetImage is told to accept (acceptedMediaTypes): every manifest type, schema 1 too. */
export const ECR_ACCEPTED_MANIFEST_TYPES: readonly string[] = [
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifest,
  MediaTypes.dockerList,
  MediaTypes.dockerManifestV1,
  MediaTypes.dockerManifestV1Signed,
];

/** A blob or manifest as a manifest or index refers to it. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  /** Foreign (non-distributable) layers name where they live; they are never uploaded. */
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/**
 * A manifest or an index as parsed from JSON read somewhere else (a file, a registry): any field
 * may be missing, so each is checked before it is used.
 */
export interface ManifestDocument {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

/** True for a media type of a foreign or non-distributable layer, Docker's or OCI's. */
export function isForeignLayerType(mediaType: string): boolean {
  return /foreign|nondistributable/.test(mediaType);
}

/** How a layer's bytes are compressed. Core writes gzip (by default) or zstd. */
export const Compression = { gzip: "gzip", zstd: "zstd", none: "none" } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

/** How a layer of `mediaType` is compressed: `+zstd`, `+gzip`/`.gzip` (Docker's), else none. */
export function compressionOf(mediaType: string): Compression {
  if (mediaType.endsWith("+zstd") || mediaType.endsWith(".zstd")) return Compression.zstd;
  if (mediaType.endsWith("+gzip") || mediaType.endsWith(".gzip")) return Compression.gzip;
  return Compression.none;
}

/** True when `head` starts with the two magic bytes of a gzip stream. */
export function startsWithGzipMagic(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/** The `sha256:<hex>` digest of `bytes`. */
export function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The digest of `bytes` in the algorithm `like` names; undefined for an algorithm not known here. */
export function digestIn(like: string, bytes: Buffer): string | undefined {
  const algorithm = like.slice(0, like.indexOf(":"));
  if (!["sha256", "sha384", "sha512"].includes(algorithm)) return undefined;
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True for a well-formed `sha256:` digest (64 lowercase hex digits). */
export function isSha256Digest(value: string): boolean {
  return SHA256_DIGEST.test(value);
}

/** The 12 hex digits of a sha256 digest that docker prints for a blob (`0a1b2c3d4e5f`). */
export function shortDigest(digest: string): string {
  return digest.slice(7, 19);
}
