import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PushFailedError } from "../../errors/index.js";
import { removeOnExit } from "../cleanup.js";

const READ_BYTES = 1024 * 1024;

/**
 * A private folder for the blobs of an export. An export cannot be rewound, so a blob whose
 * upload must be tried again is read back from here; it goes with `close()`, and with the process
 * when it ends another way (a signal).
 */
export class SpoolFolder {
  readonly #dir: string;
  readonly #unregister: () => void;
  #files = 0;

  private constructor(dir: string, unregister: () => void) {
    this.#dir = dir;
    this.#unregister = unregister;
  }

  static async create(parent = tmpdir()): Promise<SpoolFolder> {
    try {
      const dir = await mkdtemp(path.join(parent, "ecr-push-export-"));
      return new SpoolFolder(dir, removeOnExit(dir));
    } catch (error) {
      throw spoolFailure(parent, error);
    }
  }

  /** A new, empty spool file in the folder. */
  async file(): Promise<SpoolFile> {
    const file = path.join(this.#dir, `blob-${++this.#files}`);
    try {
      return new SpoolFile(file, await open(file, "w+"));
    } catch (error) {
      throw spoolFailure(this.#dir, error);
    }
  }

  async close(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true, maxRetries: 3 });
    this.#unregister();
  }
}

/**
 * One blob written once and read any number of times, also while it is still being written: a
 * reader that catches up with the writer waits for more. So an upload starts with the first
 * bytes of a layer, and a retry reads the same bytes again from the start.
 */
export class SpoolFile {
  #written = 0;
  #finished = false;
  #failure: Error | undefined;
  #wake: (() => void)[] = [];
  #closed = false;

  constructor(
    readonly path: string,
    private readonly handle: import("node:fs/promises").FileHandle,
  ) {}

  get size(): number {
    return this.#written;
  }

  /** Writes `source` to the end; readers follow. Rejects (and fails the readers) on a write error. */
  async fill(source: Readable): Promise<void> {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.handle.write(chunk, 0, chunk.length, this.#written).then(() => {
          this.#written += chunk.length;
          this.#notify();
          callback();
        }, callback);
      },
    });
    try {
      await pipeline(source, sink);
      this.#finished = true;
    } catch (error) {
      this.#failure = error as Error;
      throw isSpaceError(error) ? spoolFailure(path.dirname(this.path), error) : error;
    } finally {
      this.#notify();
    }
  }

  /** Reads the blob from its first byte, waiting for the writer where it has not written yet. */
  open(): Readable {
    const self = this;
    return Readable.from(
      (async function* () {
        let position = 0;
        for (;;) {
          if (position < self.#written) {
            const buffer = Buffer.allocUnsafe(Math.min(READ_BYTES, self.#written - position));
            const { bytesRead } = await self.handle.read(buffer, 0, buffer.length, position);
            position += bytesRead;
            yield buffer.subarray(0, bytesRead);
          } else if (self.#failure) {
            throw self.#failure;
          } else if (self.#finished) {
            return;
          } else {
            await new Promise<void>((resolve) => self.#wake.push(resolve));
          }
        }
      })(),
      { objectMode: false },
    );
  }

  /** Closes and deletes the file; readers still open fail. */
  async remove(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure ??= new Error("the spooled blob was removed");
    this.#notify();
    await this.handle.close().catch(() => {});
    await rm(this.path, { force: true });
  }

  #notify(): void {
    const waiting = this.#wake;
    this.#wake = [];
    for (const wake of waiting) wake();
  }
}

function isSpaceError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

function spoolFailure(dir: string, error: unknown): PushFailedError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? (error as Error).message;
  const why = isSpaceError(error) ? "no space left" : code;
  return new PushFailedError(
    "SpoolFailed",
    `Could not write the image export to ${dir} (${why}), so nothing was pushed: free space there or point TMPDIR (TEMP on Windows) at a folder with room.`,
    { cause: error },
  );
}
