import { type Readable, Transform, type TransformCallback } from "node:stream";
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { deflateRawSync, gzip } from "node:zlib";

const gzipAsync = promisify(gzip);

/**
 * gzip level 1 (the fastest) for data that compresses: on CI machines compression, not the
 * network, bounds a push, and for layer content higher levels save little.
 */
export const GZIP_LEVEL = 1;

/**
 * Layers are compressed in independent pieces, each its own gzip member: gzip readers (Go's, as
 * in docker and containerd, and zlib's) read concatenated members as one stream, and the pieces
 * compress in parallel on libuv's thread pool. Deflate looks back only 32 KiB, so 1 MiB pieces
 * cost nothing in ratio.
 */
export const PIECE_BYTES = 1024 * 1024;
/** Pieces being compressed at once per layer: memory stays near 2 × this × PIECE_BYTES. */
const PIECES_IN_FLIGHT = 2;
const SAMPLE_BYTES = 32 * 1024;

/**
 * Level 1 for a piece that compresses; stored (level 0, still gzip) for one that does not, such as
 * already-compressed files, where deflating would only burn time. Decided on a sample.
 */
function levelFor(piece: Buffer): number {
  const sample = piece.subarray(0, SAMPLE_BYTES);
  if (sample.length === 0) return GZIP_LEVEL;
  return deflateRawSync(sample, { level: GZIP_LEVEL }).length > sample.length * 0.95 ? 0 : GZIP_LEVEL;
}

/**
 * Cuts the stream into pieces and emits their gzip members in order. Piece buffers are reused once
 * compressed, and each member comes out of zlib as one buffer: at hundreds of MiB/s, fresh buffers
 * would pile up as garbage faster than the collector frees them.
 */
class PiecewiseGzip extends Transform {
  readonly #free: Buffer[] = [];
  #piece = this.#buffer();
  #filled = 0;
  #sealedAny = false;
  readonly #pending: Promise<Buffer>[] = [];

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#take(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      // An empty layer still needs one (empty) member to be valid gzip.
      if (this.#filled > 0 || !this.#sealedAny) this.#seal();
      while (this.#pending.length > 0) this.push(await this.#pending.shift());
    })().then(() => callback(), callback);
  }

  #buffer(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafe(PIECE_BYTES);
  }

  async #take(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length; ) {
      const n = Math.min(chunk.length - offset, PIECE_BYTES - this.#filled);
      chunk.copy(this.#piece, this.#filled, offset, offset + n);
      this.#filled += n;
      offset += n;
      if (this.#filled === PIECE_BYTES) {
        this.#seal();
        // Keep order and bound memory: emit the oldest piece before taking more.
        while (this.#pending.length >= PIECES_IN_FLIGHT) this.push(await this.#pending.shift());
      }
    }
  }

  #seal(): void {
    const buffer = this.#piece;
    const piece = buffer.subarray(0, this.#filled);
    const level = levelFor(piece);
    if (level === 0 && crc32) {
      // Stored without zlib: no handle and one buffer instead of two; the piece is copied out at
      // once, so its buffer is filled again straight away.
      this.#pending.push(Promise.resolve(storedMember(piece, crc32)));
      this.#filled = 0;
      this.#sealedAny = true;
      return;
    }
    // One output chunk big enough for a stored piece: the member is a single buffer, not many.
    const member = gzipAsync(piece, { level, chunkSize: PIECE_BYTES + 64 * 1024 });
    member.then(
      () => this.#free.push(buffer),
      () => {}, // awaited in order later; never an unhandled rejection meanwhile
    );
    this.#pending.push(member);
    this.#piece = this.#buffer();
    this.#filled = 0;
    this.#sealedAny = true;
  }
}

/** zlib.crc32 arrived in Node 20.15; without it stored pieces go through zlib like the others. */
const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
/** The largest stored deflate block. */
const STORED_BLOCK = 65535;

/**
 * One gzip member holding `data` in stored deflate blocks (RFC 1951 3.2.4, RFC 1952): header,
 * then per block a 5-byte preamble (final bit, LEN, ~LEN) and the bytes, then CRC-32 and length.
 * Returned as a single buffer: the data is copied once into it.
 */
function storedMember(data: Buffer, crc: (data: Uint8Array) => number): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK));
  const out = Buffer.allocUnsafe(10 + blocks * 5 + data.length + 8);
  // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown).
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff], 0);
  let at = 10;
  for (let b = 0; b < blocks; b++) {
    const start = b * STORED_BLOCK;
    const len = Math.min(STORED_BLOCK, data.length - start);
    out[at] = b === blocks - 1 ? 1 : 0;
    out.writeUInt16LE(len, at + 1);
    out.writeUInt16LE(~len & 0xffff, at + 3);
    data.copy(out, at + 5, start, start + len);
    at += 5 + len;
  }
  out.writeUInt32LE(crc(data) >>> 0, at);
  out.writeUInt32LE(data.length >>> 0, at + 4);
  return out;
}

/** The gzip stream of an uncompressed layer; a read error of the layer fails the stream. */
export function gzipLayer(raw: Readable): Readable {
  const gzipped = new PiecewiseGzip();
  raw.on("error", (error) => gzipped.destroy(error));
  gzipped.on("close", () => raw.destroy());
  return raw.pipe(gzipped);
}
