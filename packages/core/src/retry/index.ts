import type { Clock } from "../ports/index.js";

/**
 * How hard a push tries again after a transient failure (a reset connection, a 5xx, a 429, a
 * throttled call). One policy for the registry client, the docker path and the SDK's settings;
 * aws/retry.ts reads it from the environment.
 */
export interface RetryPolicy {
  /**
   * Attempts in a row without progress, the first included; a retry after a 429 counts half (see
   * RetryBudget).
   */
  maxAttempts: number;
  /** Cap of the first back-off; each retry doubles it (full jitter: a random wait up to the cap). */
  baseDelayMs: number;
  /** No single back-off is longer than this. */
  maxDelayMs: number;
  /** From the first failure since the last progress, the time after which nothing is retried. */
  maxRetryMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryMs: 120_000,
};

/**
 * The back-off before retry number `retry` (1 for the first retry): full jitter, a uniformly random
 * wait between 0 and min(maxDelay, base * 2^(retry-1)). `random` is in [0, 1).
 */
export function fullJitterDelay(policy: RetryPolicy, retry: number, random: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random * cap);
}

/**
 * The retry budget of one piece of work (a request, or a whole blob upload): it counts failures
 * in a row since the work last made progress, so a long upload over a bad link keeps going while
 * it advances (each part or request that lands resets it) and stops promptly when it does not.
 *
 * A throttled attempt (HTTP 429) spends half a retry: the registry answered, and asks for a slower
 * pace because the account is over its rate (ECR's PutImage is 10 a second for every pipeline of
 * the account), which passes as the others get through. So a push waits out a fleet's burst (twice
 * the retries, the back-off still doubling up to its cap, within the time bound) and still stops
 * when the registry never lets it through.
 */
export class RetryBudget {
  #failures = 0;
  /** Retries spent since the last progress: one each, half one after a throttled attempt. */
  #retriesSpent = 0;
  /** What the last retry cost (1 or 0.5). */
  #lastCost = 1;
  #firstFailureMs: number | undefined;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  /** Attempts made since the last progress (for "after N attempts"). */
  get attempts(): number {
    return this.#failures;
  }

  /** The attempts this run of failures may reach if it goes on as it did (for "attempt 3 of 5"). */
  get allowed(): number {
    const retriesLeft = Math.floor((this.policy.maxAttempts - 1 - this.#retriesSpent) / this.#lastCost);
    return this.#failures + 1 + Math.max(0, retriesLeft);
  }

  /** Some of the work landed: the next failure starts a fresh count. */
  progressed(): void {
    this.#failures = 0;
    this.#retriesSpent = 0;
    this.#lastCost = 1;
    this.#firstFailureMs = undefined;
  }

  /**
   * Counts a transient failure, `throttled` when the registry asked for a slower pace (429).
   * Returns the wait before the next attempt (at least what a Retry-After asked, capped like any
   * back-off and never past the time bound), or undefined when the budget is spent.
   */
  failed(retryAfterMs = 0, throttled = false): number | undefined {
    this.#failures++;
    const now = this.clock.now().getTime();
    this.#firstFailureMs ??= now;
    const left = this.#firstFailureMs + this.policy.maxRetryMs - now;
    const cost = throttled ? 0.5 : 1;
    if (this.#retriesSpent + cost > this.policy.maxAttempts - 1 || left <= 0) return undefined;
    this.#retriesSpent += cost;
    this.#lastCost = cost;
    const jitter = fullJitterDelay(this.policy, this.#failures, this.random());
    return Math.min(Math.max(jitter, Math.min(retryAfterMs, this.policy.maxDelayMs)), left);
  }
}

/**
 * Waits `ms` on the clock, ending early (resolved, not rejected) when `signal` aborts: the caller
 * checks the signal after the wait and reports the cancellation its own way.
 */
export async function backOff(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await clock.sleep(ms, signal);
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}

/** The system clock: a real timer, cleared when the signal aborts (then rejects with its reason). */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** Tallies retries by cause, for the one line a push logs about them. */
export class RetryTally {
  readonly #causes = new Map<string, number>();
  #total = 0;

  get total(): number {
    return this.#total;
  }

  add(cause: string): void {
    this.#total++;
    this.#causes.set(cause, (this.#causes.get(cause) ?? 0) + 1);
  }

  /** `7 retries (5 ECONNRESET, 2 HTTP 503)`, or "" when there were none. */
  summary(): string {
    if (this.#total === 0) return "";
    const causes = [...this.#causes].sort((a, b) => b[1] - a[1]).map(([cause, n]) => `${n} ${cause}`);
    return `${this.#total} ${this.#total === 1 ? "retry" : "retries"} (${causes.join(", ")})`;
  }
}
