import type { Readable } from "node:stream";

export const MediaTypes = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
} as const;

export const INDEX_MEDIA_TYPES: readonly string[] = [MediaTypes.ociIndex, MediaTypes.dockerList];

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  /** Foreign (non-distributable) layers name where they live; they are never uploaded. */
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** A blob sent as it is stored: digest and size are known before the upload. */
export interface StoredBlob {
  descriptor: Descriptor;
  open(): Readable;
}

/** An uncompressed layer tar (docker-archive): compressed and digested while it uploads. */
export interface RawLayer {
  /** sha256 of the uncompressed tar, as the config's rootfs.diff_ids has it. */
  diffId: string;
  size: number;
  open(): Readable;
}

/**
 * What a daemonless source holds, ready to push:
 * - `manifest`: an image whose manifest bytes are final (OCI layout);
 * - `layers`: an image whose manifest is written once its layers are compressed (docker-archive);
 * - `index`: a multi-platform index whose children are pushed first, by digest.
 */
export type Artifact =
  | {
      kind: "manifest";
      mediaType: string;
      bytes: Buffer;
      digest: string;
      config: StoredBlob;
      layers: StoredBlob[];
    }
  | { kind: "layers"; config: StoredBlob; layers: (StoredBlob | RawLayer)[] }
  | { kind: "index"; mediaType: string; bytes: Buffer; digest: string; children: Artifact[] };

export interface OpenedSource {
  /** The image ID (config digest) of an image, the index digest of an index. */
  id: string;
  artifact: Artifact;
}

export const isRawLayer = (layer: StoredBlob | RawLayer): layer is RawLayer => "diffId" in layer;
