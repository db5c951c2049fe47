import type { AwsEnv } from "./env.js";

/** Retry settings shared by every AWS SDK client the push makes (ECR and STS). */
export function sdkRetryConfig(_env: AwsEnv): { maxAttempts: number } {
  return { maxAttempts: 5 };
}
