import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { tarOf } from "./tar.js";

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

export interface MultiPlatformLayout {
  /** The layout folder, for `oci:DIR`. */
  dir: string;
  /** Digest of the image index the layout names. */
  indexDigest: string;
  /** The index's bytes as stored (a rewritten index keeps every other field). */
  index: Buffer;
  /** Each platform's image: its `os/arch[/variant]`, manifest digest and blob digests. */
  images: { platform: string; digest: string; blobs: string[] }[];
  /** The attestation manifests, one per image, in the index after the images (as buildx writes them). */
  attestations: { digest: string; subject: string }[];
}

/**
 * Writes an OCI image layout holding what `docker buildx build --platform linux/amd64,linux/arm64
 * --provenance=true` pushes: an index of two images plus, for each, an attestation manifest
 * (platform unknown/unknown, annotated with the image it describes) whose layer is an in-toto
 * statement. Contents depend only on `seed`, so the same seed gives the same digests.
 */
export function writeMultiPlatformOciLayout(dir: string, seed = "ecr-push"): MultiPlatformLayout {
  const blobDir = path.join(dir, "blobs", "sha256");
  mkdirSync(blobDir, { recursive: true });
  const store = (bytes: Buffer, mediaType: string): Blob => {
    const digest = sha256(bytes);
    writeFileSync(path.join(blobDir, digest.slice(7)), bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const platforms = [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64", variant: "v8" },
  ];
  const images = platforms.map((platform) => {
    const name = [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
    const tar = tarOf("hello.txt", Buffer.from(`${seed} ${name}\n`));
    const layer = store(gzipSync(tar, { level: 9 }), "application/vnd.oci.image.layer.v1.tar+gzip");
    const config = store(
      Buffer.from(
        JSON.stringify({ ...platform, config: {}, rootfs: { type: "layers", diff_ids: [sha256(tar)] } }),
      ),
      OCI_CONFIG,
    );
    const manifest = store(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] })),
      OCI_MANIFEST,
    );
    return { platform, name, manifest, blobs: [config.digest, layer.digest] };
  });
  const attestations = images.map((image) => {
    const statement = Buffer.from(
      JSON.stringify({
        _type: "https://in-toto.io/Statement/v0.1",
        predicateType: "https://slsa.dev/provenance/v0.2",
        subject: [{ name: "pkg:docker/ecr-push-test", digest: { sha256: image.manifest.digest.slice(7) } }],
        predicate: { builder: { id: seed } },
      }),
    );
    const layer = {
      ...store(statement, "application/vnd.in-toto+json"),
      annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
    };
    const config = store(
      Buffer.from(
        JSON.stringify({
          architecture: "unknown",
          os: "unknown",
          config: {},
          rootfs: { type: "layers", diff_ids: [sha256(statement)] },
        }),
      ),
      OCI_CONFIG,
    );
    const manifest = store(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] })),
      OCI_MANIFEST,
    );
    return { manifest, subject: image.manifest.digest };
  });
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        ...images.map((image) => ({ ...image.manifest, platform: image.platform })),
        ...attestations.map((a) => ({
          ...a.manifest,
          annotations: {
            "vnd.docker.reference.digest": a.subject,
            "vnd.docker.reference.type": "attestation-manifest",
          },
          platform: { architecture: "unknown", os: "unknown" },
        })),
      ],
    }),
  );
  const stored = store(index, OCI_INDEX);
  writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ ...stored, annotations: { "org.opencontainers.image.ref.name": "latest" } }],
    }),
  );
  return {
    dir,
    indexDigest: stored.digest,
    index,
    images: images.map((image) => ({
      platform: image.name,
      digest: image.manifest.digest,
      blobs: image.blobs,
    })),
    attestations: attestations.map((a) => ({ digest: a.manifest.digest, subject: a.subject })),
  };
}
