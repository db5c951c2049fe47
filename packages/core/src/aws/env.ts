/** The AWS environment (AWS_REGION, AWS_ENDPOINT_URL_ECR...), injected: core never reads `process.env`. */
export type AwsEnv = Record<string, string | undefined>;

/**
 * The endpoint URL the environment configures for a service (`AWS_ENDPOINT_URL_<SERVICE>`, then
 * `AWS_ENDPOINT_URL`), as the SDK would pick it; read from the injected env so tests and hosts control it.
 */
export function endpointFromEnv(service: "ECR" | "ECR_PUBLIC" | "STS", env: AwsEnv): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true") return undefined;
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}
