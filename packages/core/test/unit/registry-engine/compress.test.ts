import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipLayer, PIECE_BYTES } from "../../../src/engine/registry/compress.js";

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
    expect(gunzipSync(gz).equals(text)).toBe(true);
    expect(gz.length).toBeLessThan(text.length / 10);
    expect(members(gz)).toBeGreaterThanOrEqual(Math.ceil(text.length / PIECE_BYTES));
  });

  it("stores incompressible data instead of deflating it, still as valid gzip", async () => {
    const random = randomBytes(2 * PIECE_BYTES + 12_345);
    const gz = await buffer(gzipLayer(chunked(random)));
    expect(gunzipSync(gz).equals(random)).toBe(true);
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
    expect(gunzipSync(gz).equals(layer)).toBe(true);
    expect(members(gz)).toBe(4);
  });

  it("writes a valid gzip stream for an empty layer", async () => {
    const gz = await buffer(gzipLayer(Readable.from([])));
    expect(gunzipSync(gz).length).toBe(0);
  });

  it("fails the stream when reading the layer fails", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error("disk gone"));
      },
    });
    await expect(buffer(gzipLayer(failing))).rejects.toThrow("disk gone");
  });
});
