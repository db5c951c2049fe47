import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipLayer, layerCodec, PIECE_BYTES as PIECES } from "../../../src/engine/registry/compress.js";
import { imageManifestOf } from "../../../src/engine/registry/push.js";
import { canWriteZstd } from "../../../src/engine/registry/zstd.js";

const PIECE_BYTES = PIECES.gzip;

/** Feeds `data` in uneven chunks, as a file stream would. */
function chunked(data: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += 300_001)
    chunks.push(data.subarray(offset, offset + 300_001));
  return Readable.from(chunks);
}

/** Offsets of gzip member headers (1f 8b 08) at the starts the compressor writes. */
function members(gz: Buffer): number {
  let count = 0;
  for (let i = 0; i + 2 < gz.length; i++)
    if (gz[i] === 0x1f && gz[i + 1] === 0x8b && gz[i + 2] === 0x08) count++;
  return count;
}

describe("gzipLayer", () => {
  it("round-trips compressible data spanning several pieces and shrinks it", async () => {
    const text = Buffer.from("layer of text that compresses well. ".repeat(200_000));
    const gz = await buffer(gzipLayer(chunked(text)));
    expect(zlib.gunzipSync(gz).equals(text)).toBe(true);
    expect(gz.length).toBeLessThan(text.length / 10);
    expect(members(gz)).toBeGreaterThanOrEqual(Math.ceil(text.length / PIECE_BYTES));
  });

  it("stores incompressible data instead of deflating it, still as valid gzip", async () => {
    const random = randomBytes(2 * PIECE_BYTES + 12_345);
    const gz = await buffer(gzipLayer(chunked(random)));
    expect(zlib.gunzipSync(gz).equals(random)).toBe(true);
    // Stored blocks add a few bytes per 64 KiB, no more.
    expect(gz.length).toBeLessThan(random.length * 1.001 + 100);
  });

  it("mixes deflated and stored members in one stream, in order", async () => {
    const text = Buffer.from("compressible ".repeat(Math.ceil(PIECE_BYTES / 13))).subarray(0, PIECE_BYTES);
    // Hash output: incompressible like random bytes, but the same every run, so a stray 1f 8b 08
    // inside a stored piece cannot change the member count from one run to the next.
    const noise = (n: number, seed: string) =>
      Buffer.concat(
        Array.from({ length: Math.ceil(n / 32) }, (_, i) =>
          createHash("sha256").update(`${seed}${i}`).digest(),
        ),
      ).subarray(0, n);
    const layer = Buffer.concat([text, noise(PIECE_BYTES, "a"), text, noise(70_000, "b")]);
    const gz = await buffer(gzipLayer(chunked(layer)));
    expect(zlib.gunzipSync(gz).equals(layer)).toBe(true);
    expect(members(gz)).toBe(4);
  });

  it("writes a valid gzip stream for an empty layer", async () => {
    const gz = await buffer(gzipLayer(Readable.from([])));
    expect(zlib.gunzipSync(gz).length).toBe(0);
  });

  it("fails the stream when reading the layer fails", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error("disk gone"));
      },
    });
    await expect(buffer(gzipLayer(failing))).rejects.toThrow("disk gone");
  });

  it("writes the same bytes for the same layer, run after run (same digest)", async () => {
    const text = Buffer.from("deterministic ".repeat(300_000));
    const once = await buffer(gzipLayer(chunked(text)));
    const again = await buffer(gzipLayer(Readable.from([text])));
    expect(again.equals(once)).toBe(true);
  });
});

/** zstd needs Node 22.15 or later: on CI every Node the suite runs on has it, so it never skips there. */
const zstdHere = canWriteZstd();
if (!zstdHere && process.env.CI === "true") {
  throw new Error(`zstd tests need Node.js 22.15 or later and CI runs them: this is ${process.version}`);
}
const zstdDecompress = (zlib as unknown as { zstdDecompressSync: (data: Buffer) => Buffer })
  .zstdDecompressSync;

describe.runIf(zstdHere)("layerCodec(zstd)", () => {
  const codec = layerCodec("zstd");

  it("names OCI's zstd layer type", () => {
    expect(codec.layerMediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
  });

  it("round-trips data spanning several pieces as concatenated frames, smaller than gzip", async () => {
    const text = Buffer.from("a zstd layer of text, compressed in frames. ".repeat(300_000));
    const zst = await buffer(codec.compress(chunked(text)));
    expect(zstdDecompress(zst).equals(text)).toBe(true);
    const gz = await buffer(gzipLayer(chunked(text)));
    expect(zst.length).toBeLessThan(gz.length);
    // Each frame starts with zstd's magic number 28 b5 2f fd.
    let frames = 0;
    for (let i = 0; i + 3 < zst.length; i++)
      if (zst[i] === 0x28 && zst[i + 1] === 0xb5 && zst[i + 2] === 0x2f && zst[i + 3] === 0xfd) frames++;
    expect(frames).toBeGreaterThanOrEqual(Math.ceil(text.length / PIECES.zstd));
  });

  it("keeps incompressible data about its size and writes a valid frame for an empty layer", async () => {
    const random = randomBytes(PIECES.zstd + 4321);
    const zst = await buffer(codec.compress(chunked(random)));
    expect(zstdDecompress(zst).equals(random)).toBe(true);
    expect(zst.length).toBeLessThan(random.length * 1.001 + 100);
    expect(zstdDecompress(await buffer(codec.compress(Readable.from([])))).length).toBe(0);
  });
});

describe("imageManifestOf", () => {
  const config = {
    mediaType: "application/vnd.docker.container.image.v1+json",
    digest: `sha256:${"c".repeat(64)}`,
    size: 10,
  };
  const layer = (mediaType: string) => ({ mediaType, digest: `sha256:${"a".repeat(64)}`, size: 5 });

  it("writes Docker's manifest for gzip layers, as docker push does", () => {
    const m = imageManifestOf(config, [layer("application/vnd.docker.image.rootfs.diff.tar.gzip")]);
    expect(m.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(JSON.parse(m.bytes.toString()).config.mediaType).toBe(config.mediaType);
  });

  it("writes OCI's manifest for zstd layers, the config named as OCI's", () => {
    const m = imageManifestOf(config, [layer("application/vnd.oci.image.layer.v1.tar+zstd")], {
      compression: "zstd",
    });
    const doc = JSON.parse(m.bytes.toString());
    expect(m.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(doc.mediaType).toBe(m.mediaType);
    expect(doc.config).toEqual({ ...config, mediaType: "application/vnd.oci.image.config.v1+json" });
    expect(doc.layers[0].mediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
  });
});
