// Buffers that stream through by the hundred megabytes, and the collector that frees them.
import v8 from "node:v8";
import vm from "node:vm";

type Collect = (options: { type: "minor"; execution: "async" }) => void;

let collect: Collect | undefined | null = null;

/**
 * V8's own collector, reached once through a fresh context (the `gc` that --expose-gc adds), or
 * undefined where this Node refuses the flag at run time: then V8 collects on its own schedule.
 */
function collector(): Collect | undefined {
  if (collect !== null) return collect;
  try {
    v8.setFlagsFromString("--expose-gc");
    const found: unknown = vm.runInNewContext("typeof gc === 'function' ? gc : undefined");
    collect = typeof found === "function" ? (found as Collect) : undefined;
  } catch {
    collect = undefined;
  }
  return collect;
}

/** How many bytes of short-lived buffers go by between two young-generation collections. */
const EVERY_BYTES = 4 * 1024 * 1024;

/**
 * Counts the bytes of buffers that live for one piece of a stream (a read, a compressed piece)
 * and has the young generation collected every 4 MiB. Their memory lies outside V8's heap, so V8
 * sees little reason to collect: left alone it lets 60-80 MB of dead buffers pile up before a full
 * collection, which is most of a push's memory. A minor collection every few MiB frees them while
 * young, for about the time of the full collections it spares. Measured on Node 24: reading a
 * 253 MB file in 1 MiB chunks, 121 -> 71 MB peak RSS; pushing one 2 GiB layer, 158 -> 127 MB
 * (gzip) and 201 -> 151 MB (zstd), at the same CPU time.
 */
export class BufferChurn {
  #since = 0;

  note(bytes: number): void {
    this.#since += bytes;
    if (this.#since < EVERY_BYTES) return;
    this.#since = 0;
    collector()?.({ type: "minor", execution: "async" });
  }
}
