import { InputError } from "../errors/index.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../retry/index.js";
import type { AwsEnv } from "./env.js";

const RETRY_MODES = ["standard", "adaptive"] as const;
export type SdkRetryMode = (typeof RETRY_MODES)[number];

/**
 * How hard a push tries again after a transient failure: throttling, a 5xx, a 429, a reset
 * connection. One policy for both planes, read from the injected environment:
 *
 * - `AWS_MAX_ATTEMPTS` (the SDK's own variable): attempts per request, first one included, for
 *   the ECR and STS calls; for the registry, failures in a row of one request without progress,
 *   a throttled answer (429) counting half (default 5; see RetryBudget).
 * - `AWS_RETRY_MODE` (the SDK's own variable): `standard` (default) or `adaptive` for the ECR and
 *   STS calls. Adaptive adds client-side rate limiting, which helps a process making many calls;
 *   a push makes a handful, so standard's back-off is the default.
 * - `ECR_PUSH_RETRY_MAX_SECONDS`: how long failing registry work keeps being retried, counted
 *   from its first failure since it last made progress (default 120). No new attempt starts after that, and no back-off
 *   sleeps past it.
 *
 * These are environment variables rather than inputs on purpose: inputs are a contract in four hosts,
 * and these are knobs for unusual networks, set the same way everywhere.
 */
export function retryPolicyFromEnv(env: AwsEnv): RetryPolicy {
  const maxAttempts = wholeNumber(env, "AWS_MAX_ATTEMPTS", 1, 100);
  const seconds = wholeNumber(env, "ECR_PUSH_RETRY_MAX_SECONDS", 0, 24 * 60 * 60);
  return {
    ...DEFAULT_RETRY_POLICY,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    ...(seconds === undefined ? {} : { maxRetryMs: seconds * 1000 }),
  };
}

/**
 * Retry settings shared by every AWS SDK client the push makes (ECR and STS). The SDK backs off
 * with full jitter itself (longer after a ThrottlingException) and retries throttling, 5xx and
 * network errors only; validation, auth and not-found errors fail at once.
 */
export function sdkRetryConfig(env: AwsEnv): { maxAttempts: number; retryMode: SdkRetryMode } {
  const mode = env.AWS_RETRY_MODE?.trim().toLowerCase() || "standard";
  if (!(RETRY_MODES as readonly string[]).includes(mode)) {
    throw new InputError(
      "AWS_RETRY_MODE",
      `AWS_RETRY_MODE must be standard or adaptive, not "${env.AWS_RETRY_MODE}": set one of those or unset it.`,
    );
  }
  return { maxAttempts: retryPolicyFromEnv(env).maxAttempts, retryMode: mode as SdkRetryMode };
}

function wholeNumber(env: AwsEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new InputError(
      name,
      `${name} must be a whole number from ${min} to ${max}, not "${env[name]}": fix it or unset it.`,
    );
  }
  return value;
}

/**
 * Checks the retry variables before any work starts, so a malformed one is bad input reported up
 * front (exit 2), not after the first AWS call.
 */
export function checkRetryEnv(env: AwsEnv): void {
  sdkRetryConfig(env);
}
