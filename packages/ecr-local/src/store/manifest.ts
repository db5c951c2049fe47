import { invalidParameter } from "../errors.js";
import { isDigest } from "../validation.js";

export const MEDIA_TYPES = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
} as const;

const SUPPORTED = new Set<string>(Object.values(MEDIA_TYPES));
const INDEX_TYPES = new Set<string>([MEDIA_TYPES.dockerList, MEDIA_TYPES.ociIndex]);

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  urls?: string[];
}

/** What a manifest refers to: blobs (config and layers) for an image, child manifests for an index. */
export interface ManifestInfo {
  mediaType: string;
  blobs: Descriptor[];
  manifests: Descriptor[];
  /** The config media type of an image manifest (ECR's artifactMediaType). */
  artifactMediaType?: string;
}

const invalidManifest = (why: string) =>
  invalidParameter(`Invalid parameter at 'imageManifest' failed to satisfy constraint: '${why}'`);

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (!d || typeof d !== "object" || !isDigest(d.digest) || typeof d.size !== "number" || d.size < 0) {
    throw invalidManifest(`${where} must be a descriptor with a sha256 digest and a size`);
  }
  return d as Descriptor;
}

/**
 * Parses a manifest and lists what it refers to. The media type is the declared one (Content-Type
 * or PutImage's imageManifestMediaType), else the manifest's own `mediaType`, else inferred as ECR
 * does from the shape. A declared type must agree with the manifest's own field.
 */
export function parseManifest(bytes: Uint8Array, declaredType?: string): ManifestInfo {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
  } catch {
    throw invalidManifest("Invalid JSON syntax");
  }
  if (!doc || typeof doc !== "object" || doc.schemaVersion !== 2)
    throw invalidManifest("schemaVersion must be 2");
  const own = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  if (declaredType && own && declaredType !== own) {
    throw invalidManifest(`manifest media type '${own}' does not match '${declaredType}'`);
  }
  const config = doc.config as { mediaType?: unknown } | undefined;
  const inferred = Array.isArray(doc.manifests)
    ? MEDIA_TYPES.ociIndex
    : typeof config?.mediaType === "string" && config.mediaType.startsWith("application/vnd.docker.")
      ? MEDIA_TYPES.dockerManifest
      : MEDIA_TYPES.ociManifest;
  const mediaType = declaredType ?? own ?? inferred;
  if (!SUPPORTED.has(mediaType)) throw invalidManifest(`unsupported manifest media type '${mediaType}'`);

  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw invalidManifest("an index needs 'manifests'");
    return { mediaType, blobs: [], manifests: doc.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)) };
  }
  if (!Array.isArray(doc.layers)) throw invalidManifest("an image manifest needs 'layers'");
  const configDescriptor = descriptor(doc.config, "config");
  const layers = doc.layers.map((l, i) => descriptor(l, `layers[${i}]`));
  return {
    mediaType,
    blobs: [configDescriptor, ...layers],
    manifests: [],
    artifactMediaType: configDescriptor.mediaType,
  };
}

/** Digests the manifest refers to that are not there. Foreign layers (with `urls`) are never uploaded. */
export function missingReferences(
  info: ManifestInfo,
  hasBlob: (digest: string) => boolean,
  hasManifest: (digest: string) => boolean,
): { blobs: string[]; manifests: string[] } {
  return {
    blobs: info.blobs.filter((b) => !b.urls?.length && !hasBlob(b.digest)).map((b) => b.digest),
    manifests: info.manifests.filter((m) => !hasManifest(m.digest)).map((m) => m.digest),
  };
}
