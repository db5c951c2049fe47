import type { Readable } from "node:stream";

import type { Descriptor } from "../oci/index.js";

// The vocabulary moved to oci/; these names stay importable from sources/ for existing callers.
export { type Descriptor, INDEX_MEDIA_TYPES, MediaTypes } from "../oci/index.js";

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
