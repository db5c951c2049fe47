import { describe, expect, it } from "vitest";
import { retryPolicyFromEnv, sdkRetryConfig } from "../../../src/aws/retry.js";
import { DEFAULT_RETRY_POLICY, fullJitterDelay } from "../../../src/retry/index.js";

describe("retry policy", () => {
  it("defaults to 5 attempts, standard mode and a 2-minute bound", () => {
    expect(sdkRetryConfig({})).toEqual({ maxAttempts: 5, retryMode: "standard" });
    expect(retryPolicyFromEnv({})).toEqual({
      maxAttempts: 5,
      baseDelayMs: 500,
      maxDelayMs: 20_000,
      maxRetryMs: 120_000,
    });
  });

  it("takes AWS_MAX_ATTEMPTS and AWS_RETRY_MODE for the SDK, and the attempts and time bound for the registry", () => {
    const env = { AWS_MAX_ATTEMPTS: "12", AWS_RETRY_MODE: "Adaptive", ECR_PUSH_RETRY_MAX_SECONDS: "30" };
    expect(sdkRetryConfig(env)).toEqual({ maxAttempts: 12, retryMode: "adaptive" });
    expect(retryPolicyFromEnv(env)).toMatchObject({ maxAttempts: 12, maxRetryMs: 30_000 });
  });

  it.each([
    [
      { AWS_MAX_ATTEMPTS: "0" },
      'AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, not "0": fix it or unset it.',
    ],
    [
      { AWS_MAX_ATTEMPTS: "three" },
      'AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, not "three": fix it or unset it.',
    ],
    [
      { ECR_PUSH_RETRY_MAX_SECONDS: "1.5" },
      'ECR_PUSH_RETRY_MAX_SECONDS must be a whole number from 0 to 86400, not "1.5": fix it or unset it.',
    ],
    [
      { AWS_RETRY_MODE: "legacy" },
      'AWS_RETRY_MODE must be standard or adaptive, not "legacy": set one of those or unset it.',
    ],
  ])("refuses %o in one sentence, as bad input", (env, message) => {
    expect(() => sdkRetryConfig(env)).toThrow(expect.objectContaining({ kind: "input", message }));
  });

  it("backs off with full jitter: a random share of a doubling cap, never above the maximum", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((retry) => fullJitterDelay(policy, retry, 0.999_999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(fullJitterDelay(policy, 3, 0)).toBe(0);
    expect(fullJitterDelay(policy, 3, 0.25)).toBe(100);
  });
});
