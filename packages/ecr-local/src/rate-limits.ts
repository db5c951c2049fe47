/**
 * Per-operation request rates, as ECR enforces them per account and region (PutImage 10 per
 * second, UploadLayerPart 500...): one token bucket per limited operation, refilled at the rate and
 * holding at most one second's worth (at least one call), so a burst of `rate` calls passes at once.
 * The endpoint serves one account, so one bucket per operation is per account.
 */
export class RateLimiter {
  private buckets = new Map<string, { rate: number; tokens: number; at: number }>();

  /** `clock` answers milliseconds (Date.now by default); tests give a fake one. */
  constructor(private readonly clock: () => number = Date.now) {}

  /** Replaces every limit (calls per second by operation name; `{}` clears them); buckets start full. */
  set(limits: Readonly<Record<string, number>>): void {
    const buckets = new Map<string, { rate: number; tokens: number; at: number }>();
    const at = this.clock();
    for (const [operation, rate] of Object.entries(limits)) {
      if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
        throw new Error(`rate limit of ${operation} must be a number of calls per second >= 0, got ${rate}`);
      }
      buckets.set(operation, { rate, tokens: burst(rate), at });
    }
    this.buckets = buckets;
  }

  /** Takes one call of `operation` from its bucket: false when the call is over the rate. */
  take(operation: string): boolean {
    const bucket = this.buckets.get(operation);
    if (!bucket) return true;
    const now = this.clock();
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(burst(bucket.rate), bucket.tokens + elapsed * bucket.rate);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

const burst = (rate: number): number => (rate > 0 ? Math.max(1, rate) : 0);

/**
 * Limits from a string such as `PutImage=10,UploadLayerPart=500` (the ECR_LOCAL_RATE_LIMITS variable
 * of `ecr-push local`); undefined or blank gives none.
 */
export function parseRateLimits(text: string | undefined): Record<string, number> | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const limits: Record<string, number> = {};
  for (const entry of text.split(",")) {
    const [operation = "", rate = "", ...rest] = entry.split("=").map((part) => part.trim());
    const value = Number(rate);
    if (!/^[A-Za-z]+$/.test(operation) || rate === "" || rest.length > 0 || !(value >= 0)) {
      throw new Error(`rate limits: expected Operation=callsPerSecond[,...], got '${entry.trim()}'`);
    }
    limits[operation] = value;
  }
  return limits;
}
