import { availableParallelism } from "node:os";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import * as zlib from "node:zlib";
import { Slots } from "../../concurrency/index.js";
import { BufferChurn } from "../../memory/index.js";
import { Compression, MediaTypes } from "../../oci/index.js";
import { zstd } from "./zstd.js";

/**
 * How the registry engine compresses the layers it makes. Every codec cuts a layer into pieces
 * and compresses each on its own, on libuv's thread pool, as one member (gzip) or frame (zstd):
 * readers of either format read concatenated members or frames as one stream, so the pieces of
 * one layer keep several cores busy, and the output depends only on the input (same bytes in,
 * same digest out).
 */
export interface LayerCodec {
  readonly compression: LayerCompression;
  /** The media type of the layers it writes, in the manifest it writes. */
  readonly layerMediaType: string;
  /** The stream of an uncompressed layer's compressed bytes; a read error of the layer fails it. */
  compress(raw: Readable): Readable;
}

/** What the registry engine can write: gzip (what every reader reads) or zstd (opt-in). */
export type LayerCompression = typeof Compression.gzip | typeof Compression.zstd;

/**
 * gzip level 2 with zlib's largest hash table (memLevel 9), measured on realistic layers
 * (binaries, text, JavaScript) with Node 24's zlib: 1.3x level 1's speed at 1.6% smaller output,
 * as level 1 finds fewer matches and spends its time coding literals; level 3 costs 10–15% more
 * time for 1% less. Pieces that barely compress are stored (level 0) instead.
 */
export const GZIP_OPTIONS = { level: 2, memLevel: 9 } as const;

/** zstd's own default level: smaller than gzip level 6 at several times gzip level 2's speed. */
export const ZSTD_LEVEL = 3;

/**
 * Deflate looks back only 32 KiB, so 1 MiB gzip pieces cost nothing in ratio. zstd looks back
 * further: 2 MiB pieces are 2% smaller than 1 MiB ones, but each zstd context (window, tables)
 * grows with the piece and glibc keeps what every pool thread freed in that thread's arena:
 * one 2 GiB layer peaked at 142-157 MiB RSS with 2 MiB pieces and 134-137 MiB with 1 MiB ones.
 */
export const PIECE_BYTES = { gzip: 1024 * 1024, zstd: 1024 * 1024 } as const;

/**
 * Pieces being compressed at once per layer: one per core (libuv runs 4 by default), at least
 * two so reading overlaps compressing. Memory stays near 2 × this × the piece size per layer.
 */
const PIECES_IN_FLIGHT = Math.min(4, Math.max(2, availableParallelism()));
/**
 * Pieces being compressed at once in the whole process, whatever the number of layers: libuv's
 * pool runs four, and more pieces waiting there would only hold memory (1 MiB each, plus the codec's context).
 */
const COMPRESSING = new Slots(PIECES_IN_FLIGHT, { skipAfterFailure: false });
/** Every chunk read and every piece compressed, in all layers at once, is garbage a moment later. */
const CHURN = new BufferChurn();
/** Where a piece is judged: four stretches of 8 KiB spread over it. */
const SAMPLES = 4;
const SAMPLE_BYTES = 8 * 1024;
/**
 * Bits per byte above which a stretch counts as already compressed: gzip, zstd, JPEG and the like
 * measure 7.9 and more on 8 KiB; text 4.5–5.5, machine code 5.5–6.8.
 */
const STORED_ENTROPY = 7.6;

/**
 * The codec for `compression`: gzip layers (Docker media types, as docker push writes them) or
 * zstd layers (OCI media types, `application/vnd.oci.image.layer.v1.tar+zstd`).
 */
export function layerCodec(compression: LayerCompression = Compression.gzip): LayerCodec {
  if (compression === Compression.zstd) {
    return {
      compression,
      layerMediaType: MediaTypes.ociLayerZstd,
      compress: (raw) => piecewise(raw, PIECE_BYTES.zstd, zstdPiece),
    };
  }
  return {
    compression: Compression.gzip,
    layerMediaType: MediaTypes.dockerLayerGzip,
    compress: (raw) => piecewise(raw, PIECE_BYTES.gzip, gzipPiece),
  };
}

/** The gzip stream of an uncompressed layer (the default codec). */
export function gzipLayer(raw: Readable): Readable {
  return layerCodec(Compression.gzip).compress(raw);
}

const OUTPUT_BYTES = (pieceBytes: number) => Math.ceil(pieceBytes / 2) + 64 * 1024;

/** One piece compressed: settles with its member (or frame) as a single buffer. */
type PieceCompressor = (piece: Buffer) => Promise<Buffer>;

function gzipPiece(piece: Buffer): Promise<Buffer> {
  const deflate = compresses(piece);
  // Stored pieces go through zlib too (level 0): their copy and checksum run on libuv's pool,
  // not on the event loop, which already hashes and sends every byte.
  const level = deflate ? GZIP_OPTIONS.level : 0;
  return new Promise((resolve, reject) =>
    // One output buffer for what the piece becomes (under half its size when it deflates):
    // more would be allocated, and collected, for every piece at hundreds of MB/s.
    zlib.gzip(
      piece,
      { ...GZIP_OPTIONS, level, chunkSize: deflate ? OUTPUT_BYTES(piece.length) : piece.length + 64 * 1024 },
      (error, out) => (error ? reject(error) : resolve(out)),
    ),
  );
}

function zstdPiece(piece: Buffer): Promise<Buffer> {
  const compress = zstd.zstdCompress;
  const levelParam = zstd.constants.ZSTD_c_compressionLevel;
  if (!compress || levelParam === undefined) {
    return Promise.reject(new Error(`zstd needs Node.js 22.15 or later (this is ${process.version})`));
  }
  return new Promise((resolve, reject) =>
    compress(
      piece,
      // The size known up front lets zstd size its window and tables to the piece (less memory),
      // and puts it in the frame header.
      {
        params: { [levelParam]: ZSTD_LEVEL },
        pledgedSrcSize: piece.length,
        chunkSize: OUTPUT_BYTES(piece.length),
      },
      (error, out) => (error ? reject(error) : resolve(out)),
    ),
  );
}

/**
 * Whether a piece is worth deflating: not when every sampled stretch looks already compressed
 * (gzipped man pages, images, archives), where deflating would only burn time for under 1%.
 * Byte entropy, not a trial deflate: a few microseconds on the event loop per piece instead of
 * a millisecond. zstd needs no such test: it gives up on incompressible blocks itself, at speed.
 */
function compresses(piece: Buffer): boolean {
  if (piece.length < SAMPLES * SAMPLE_BYTES) return true;
  const stride = Math.floor((piece.length - SAMPLE_BYTES) / (SAMPLES - 1));
  const counts = new Uint32Array(256);
  for (let s = 0; s < SAMPLES; s++) {
    counts.fill(0);
    const start = s * stride;
    for (let i = start; i < start + SAMPLE_BYTES; i++) {
      const byte = piece[i] as number;
      counts[byte] = (counts[byte] as number) + 1;
    }
    let bits = 0;
    for (const count of counts) {
      if (count) bits -= (count / SAMPLE_BYTES) * Math.log2(count / SAMPLE_BYTES);
    }
    if (bits < STORED_ENTROPY) return true;
  }
  return false;
}

/** Cuts `raw` into pieces of `pieceBytes` and emits their compressed forms in order. */
function piecewise(raw: Readable, pieceBytes: number, compress: PieceCompressor): Readable {
  const out = new Piecewise(pieceBytes, compress);
  raw.on("error", (error) => out.destroy(error));
  out.on("close", () => raw.destroy());
  return raw.pipe(out);
}

/**
 * Piece buffers are reused once compressed, and each member comes out of zlib as one buffer: at
 * hundreds of MiB/s, fresh buffers would pile up as garbage faster than the collector frees them.
 */
class Piecewise extends Transform {
  readonly #free: Buffer[] = [];
  #piece: Buffer;
  #filled = 0;
  #sealedAny = false;
  readonly #pending: Promise<Buffer>[] = [];

  constructor(
    private readonly pieceBytes: number,
    private readonly compressPiece: PieceCompressor,
  ) {
    super();
    this.#piece = this.#buffer();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    CHURN.note(chunk.length);
    this.#take(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      // An empty layer still needs one (empty) member or frame to be a valid stream.
      if (this.#filled > 0 || !this.#sealedAny) this.#seal();
      while (this.#pending.length > 0) this.push(await this.#pending.shift());
    })().then(() => callback(), callback);
  }

  #buffer(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafe(this.pieceBytes);
  }

  async #take(chunk: Buffer): Promise<void> {
    // A read of exactly one piece (file sources read in piece-sized chunks) is compressed as it
    // is: no copy, and the reader's buffer is not kept for reuse.
    if (this.#filled === 0 && chunk.length === this.pieceBytes) {
      this.#sealAs(chunk);
      while (this.#pending.length >= PIECES_IN_FLIGHT) this.push(await this.#pending.shift());
      return;
    }
    for (let offset = 0; offset < chunk.length; ) {
      const n = Math.min(chunk.length - offset, this.pieceBytes - this.#filled);
      chunk.copy(this.#piece, this.#filled, offset, offset + n);
      this.#filled += n;
      offset += n;
      if (this.#filled === this.pieceBytes) {
        this.#seal();
        // Keep order and bound memory: emit the oldest piece before taking more.
        while (this.#pending.length >= PIECES_IN_FLIGHT) this.push(await this.#pending.shift());
      }
    }
  }

  #seal(): void {
    this.#sealAs(this.#piece.subarray(0, this.#filled), this.#piece);
    this.#piece = this.#buffer();
    this.#filled = 0;
  }

  /** Starts compressing `piece`; `buffer`, when it is one of ours, is reused once it is done. */
  #sealAs(piece: Buffer, buffer?: Buffer): void {
    const compressed = COMPRESSING.run(() => this.compressPiece(piece));
    compressed.then(
      () => {
        if (buffer) this.#free.push(buffer);
      },
      () => {}, // awaited in order later; never an unhandled rejection meanwhile
    );
    this.#pending.push(compressed);
    this.#sealedAny = true;
  }
}
