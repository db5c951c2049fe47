// Node's zstd, apart from the codecs: the request check asks whether it is there without loading
// the registry engine (a docker push never loads it).
import * as zlib from "node:zlib";

/** Node's zstd (22.15 and later), as @types/node 20 does not declare it; undefined before. */
export const zstd = zlib as unknown as {
  zstdCompress?: (
    data: Uint8Array,
    options: object,
    done: (error: Error | null, out: Buffer) => void,
  ) => void;
  constants: { ZSTD_c_compressionLevel?: number };
};

/** True when this Node can write zstd layers (22.15 and later). */
export function canWriteZstd(): boolean {
  return typeof zstd.zstdCompress === "function";
}
