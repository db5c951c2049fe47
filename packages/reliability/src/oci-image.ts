import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { tarFiles, tarOf } from "@ecr-push/testkit";

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

export interface WrittenImage {
  /** The layout directory, for `oci:DIR`. */
  dir: string;
  /** Digest of the manifest: what the registry must report for the pushed tag. */
  digest: string;
  /** Config and layer digests: every blob the registry must hold for the image to be complete. */
  blobs: string[];
  /** Bytes of one copy of the image on the wire: config, layers and manifest (OCI layouts only). */
  bytes?: number;
}

/**
 * Writes a linux image with `layers` layers of `layerBytes` random bytes each (so every image is
 * different and incompressible) as an OCI image layout in `dir`.
 */
export function writeOciImage(dir: string, options: { layers: number; layerBytes: number }): WrittenImage {
  const blobDir = path.join(dir, "blobs", "sha256");
  mkdirSync(blobDir, { recursive: true });
  const store = (bytes: Buffer, mediaType: string) => {
    const digest = sha256(bytes);
    writeFileSync(path.join(blobDir, digest.slice(7)), bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const tars = Array.from({ length: options.layers }, (_, i) =>
    tarOf(`data/layer-${i}.bin`, randomBytes(options.layerBytes)),
  );
  const layers = tars.map((tar) =>
    store(gzipSync(tar, { level: 1 }), "application/vnd.oci.image.layer.v1.tar+gzip"),
  );
  const config = store(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: {},
        rootfs: { type: "layers", diff_ids: tars.map(sha256) },
      }),
    ),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = store(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config,
        layers,
      }),
    ),
    "application/vnd.oci.image.manifest.v1+json",
  );
  writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [manifest],
    }),
  );
  return {
    dir,
    digest: manifest.digest,
    blobs: [config.digest, ...layers.map((l) => l.digest)],
    bytes: [config, manifest, ...layers].reduce((sum, blob) => sum + blob.size, 0),
  };
}

/**
 * Writes what `docker save` would for one image tagged `tag`: manifest.json, the config and
 * uncompressed layer tars, in one tar at `file`. The product compresses the layers while it
 * uploads them, so only the config digest is known here.
 */
export function writeDockerArchive(
  file: string,
  options: { tag: string; layers: number; layerBytes: number },
): { file: string; config: string } {
  const tars = Array.from({ length: options.layers }, (_, i) =>
    tarOf(`data/layer-${i}.bin`, randomBytes(options.layerBytes)),
  );
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: tars.map(sha256) },
    }),
  );
  const configName = `${sha256(config).slice(7)}.json`;
  const layerNames = tars.map((_, i) => `layer-${i}/layer.tar`);
  const manifest = [{ Config: configName, RepoTags: [options.tag], Layers: layerNames }];
  writeFileSync(
    file,
    tarFiles([
      { name: "manifest.json", content: Buffer.from(JSON.stringify(manifest)) },
      { name: configName, content: config },
      ...tars.map((content, i) => ({ name: layerNames[i] as string, content })),
    ]),
  );
  return { file, config: sha256(config) };
}
