import { type Readable, Transform } from "node:stream";
import { shortDigest } from "../oci/index.js";
import type { Transfer } from "../ports/index.js";

/**
 * A blob's bytes passed through unchanged, counted for `report` at most every 100 ms and once at
 * the end (a retried upload opens the blob again and counts from zero). The pushes of the
 * daemonless engine and the copies of promote show their progress through it.
 */
export function countedBlob(
  source: Readable,
  digest: string,
  total: number | undefined,
  report: ((transfer: Transfer) => void) | undefined,
): Readable {
  if (!report) return source;
  const id = shortDigest(digest);
  let bytes = 0;
  let last = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        report({ id, bytes, total });
      }
      callback(null, chunk);
    },
    flush(callback) {
      report({ id, bytes, total, done: true });
      callback();
    },
  });
  source.on("error", (error) => counter.destroy(error));
  counter.on("close", () => source.destroy());
  return source.pipe(counter);
}

/** The line a finished blob gets: `0a1b2c3d4e5f: Pushed 12.0 MiB in 1.5 s (8.0 MiB/s)`. */
export function pushedLine(digest: string, size: number, startedMs: number): string {
  const seconds = Math.max(0.001, (Date.now() - startedMs) / 1000);
  const mib = size / 1024 / 1024;
  return `${shortDigest(digest)}: Pushed ${mib.toFixed(1)} MiB in ${seconds.toFixed(1)} s (${(mib / seconds).toFixed(1)} MiB/s)`;
}
