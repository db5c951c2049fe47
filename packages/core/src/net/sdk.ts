/** Connection settings for every AWS SDK client the push makes (ECR and STS). */
export function sdkRequestHandler(_env: Record<string, string | undefined>): {
  connectionTimeout: number;
  requestTimeout: number;
} {
  // Without a connection timeout an unreachable endpoint would hang the push.
  return { connectionTimeout: 10_000, requestTimeout: 60_000 };
}
