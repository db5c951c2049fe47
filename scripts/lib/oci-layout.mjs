// Writes a small single-layer container image as an OCI image layout, with no Docker and no
// dependencies: what `ecr-push push oci:DIR` reads.
//
//   DIR/oci-layout           {"imageLayoutVersion":"1.0.0"}
//   DIR/index.json           lists the one manifest (with a ref.name annotation when given)
//   DIR/blobs/sha256/<hex>   the layer (a gzip'd tar), the config JSON and the manifest JSON
//
// Spec: https://github.com/opencontainers/image-spec (image-layout.md, manifest.md, config.md).
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

export const MediaTypes = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
};

const BLOCK = 512;

/** `sha256:<hex>` of some bytes. */
export function sha256(bytes) {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `value` as a NUL-terminated, zero-padded octal field of `width` bytes. */
function octal(value, width) {
  const digits = Math.trunc(value).toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width} bytes`);
  return `${digits.padStart(width - 1, "0")}\0`;
}

/**
 * A ustar header for one regular file (POSIX.1-1988): fields are ASCII at fixed offsets, and the
 * checksum is the sum of all 512 header bytes with the checksum field itself read as spaces.
 */
function ustarHeader({ name, size, mode, mtime }) {
  const header = Buffer.alloc(BLOCK); // unused fields stay NUL
  const put = (offset, width, text) => {
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length > width) throw new Error(`tar: "${text}" is longer than ${width} bytes`);
    bytes.copy(header, offset);
  };
  put(0, 100, name); // name
  put(100, 8, octal(mode, 8)); // mode
  put(108, 8, octal(0, 8)); // uid
  put(116, 8, octal(0, 8)); // gid
  put(124, 12, octal(size, 12)); // size
  put(136, 12, octal(mtime, 12)); // mtime, seconds since the epoch
  put(148, 8, " ".repeat(8)); // chksum, as spaces while summing
  put(156, 1, "0"); // typeflag: regular file
  put(257, 6, "ustar\0"); // magic
  put(263, 2, "00"); // version
  put(265, 32, "root"); // uname
  put(297, 32, "root"); // gname
  let sum = 0;
  for (const byte of header) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return header;
}

/**
 * A tar archive (ustar) of regular files: for each, a header then its bytes padded to a 512-byte
 * block; two zero blocks end the archive. Names are paths inside the image, without a leading "/".
 */
export function tarFiles(files, mtime = Math.floor(Date.now() / 1000)) {
  const parts = [];
  for (const file of files) {
    const name = file.name.replace(/^\/+/, "");
    if (!name || name.endsWith("/")) throw new Error(`tar: "${file.name}" is not a file name`);
    const content = Buffer.from(file.content);
    parts.push(ustarHeader({ name, size: content.length, mode: file.mode ?? 0o644, mtime }));
    parts.push(content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** The OCI name of this machine's CPU architecture (GOARCH values), for the image config. */
export function ociArchitecture(arch = process.arch) {
  const names = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" };
  return names[arch] ?? arch;
}

/**
 * Writes `files` as a one-layer linux image in the OCI image layout `dir` (created if missing) and
 * returns the manifest's digest, which is the digest a registry reports for the pushed image.
 *
 * @param {string} dir
 * @param {{ files: { name: string, content: string | Buffer, mode?: number }[], ref?: string,
 *   architecture?: string, created?: Date }} image
 */
export function writeOciImageLayout(dir, image) {
  const blobs = path.join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const store = (bytes, mediaType) => {
    const digest = sha256(bytes);
    writeFileSync(path.join(blobs, digest.slice("sha256:".length)), bytes);
    return { mediaType, digest, size: bytes.length };
  };

  const created = image.created ?? new Date();
  const tar = tarFiles(image.files, Math.floor(created.getTime() / 1000));
  const layer = store(gzipSync(tar), MediaTypes.layer);
  const config = store(
    Buffer.from(
      JSON.stringify({
        created: created.toISOString(),
        architecture: image.architecture ?? ociArchitecture(),
        os: "linux",
        config: {},
        // diff_ids name the layers' uncompressed tars; the manifest names the compressed blobs.
        rootfs: { type: "layers", diff_ids: [sha256(tar)] },
        history: [{ created: created.toISOString(), created_by: "ecr-push scripts/lib/oci-layout.mjs" }],
      }),
    ),
    MediaTypes.config,
  );
  const manifest = store(
    Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.manifest, config, layers: [layer] }),
    ),
    MediaTypes.manifest,
  );

  const listed = image.ref
    ? { ...manifest, annotations: { "org.opencontainers.image.ref.name": image.ref } }
    : manifest;
  writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    path.join(dir, "index.json"),
    JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.index, manifests: [listed] }),
  );
  return { digest: manifest.digest, config: config.digest, layer: layer.digest, diffId: sha256(tar) };
}
