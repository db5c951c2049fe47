import type { Readable } from "node:stream";
import { createGzip } from "node:zlib";

/**
 * gzip level 1 (the fastest): on CI machines compression, not the network, bounds a push, and for
 * layer content (binaries, packages) higher levels save little. crane makes the same choice.
 */
export const GZIP_LEVEL = 1;

/** The gzip stream of an uncompressed layer; a read error of the layer fails the stream. */
export function gzipLayer(raw: Readable): Readable {
  const gzip = createGzip({ level: GZIP_LEVEL, chunkSize: 256 * 1024 });
  raw.on("error", (error) => gzip.destroy(error));
  gzip.on("close", () => raw.destroy());
  return raw.pipe(gzip);
}
