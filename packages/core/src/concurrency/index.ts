// Bounded concurrency for the blob transfers of a push (engine/registry) and of a copy (copy/):
// one limiter, and the way a batch of its tasks is awaited.

export interface SlotsOptions {
  /**
   * After a task fails, drop the tasks still waiting (the default: a push stops sending promptly)
   * or run them anyway (false: what a copy has always done).
   */
  skipAfterFailure?: boolean;
}

/**
 * At most `size` tasks at once, in the order asked. After a task fails, tasks still waiting are
 * dropped (they reject with SkippedAfterFailure) so a failed push stops sending promptly, unless
 * `skipAfterFailure` is false.
 */
export class Slots {
  #active = 0;
  #waiting: (() => void)[] = [];
  #failed = false;
  readonly #skipAfterFailure: boolean;

  constructor(
    readonly size: number,
    options: SlotsOptions = {},
  ) {
    this.#skipAfterFailure = options.skipAfterFailure ?? true;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#active >= this.size) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#failed) {
      this.#waiting.shift()?.();
      throw new SkippedAfterFailure();
    }
    this.#active++;
    try {
      return await fn();
    } catch (error) {
      if (this.#skipAfterFailure) this.#failed = true;
      throw error;
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}

export class SkippedAfterFailure extends Error {
  constructor() {
    super("skipped after an earlier failure");
  }
}

/** Waits for every task to settle (no upload outlives the push), then throws the first real failure. */
export async function settledAll<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failure =
    results.find((r) => r.status === "rejected" && !(r.reason instanceof SkippedAfterFailure)) ??
    results.find((r) => r.status === "rejected");
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
