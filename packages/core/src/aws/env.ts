import type { EndpointVariant } from "./registry-host.js";

/** The AWS environment (AWS_REGION, AWS_ENDPOINT_URL_ECR...), injected: core never reads `process.env`. */
export type AwsEnv = Record<string, string | undefined>;

/**
 * The endpoint URL the environment configures for a service (`AWS_ENDPOINT_URL_<SERVICE>`, then
 * `AWS_ENDPOINT_URL`), as the SDK would pick it; read from the injected env so tests and hosts control it.
 */
export function endpointFromEnv(service: "ECR" | "STS", env: AwsEnv): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true") return undefined;
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

/** An AWS boolean setting (`AWS_USE_DUALSTACK_ENDPOINT`...): "true" in any case is on, anything else off. */
export function envFlag(env: AwsEnv, name: string): boolean {
  return env[name]?.trim().toLowerCase() === "true";
}

/**
 * Which endpoints the push uses: dual-stack from the input when given, else AWS_USE_DUALSTACK_ENDPOINT;
 * FIPS from AWS_USE_FIPS_ENDPOINT (the variables the AWS SDKs and CLI read).
 */
export function endpointVariant(dualStackInput: boolean | undefined, env: AwsEnv): EndpointVariant {
  return {
    dualStack: dualStackInput ?? envFlag(env, "AWS_USE_DUALSTACK_ENDPOINT"),
    fips: envFlag(env, "AWS_USE_FIPS_ENDPOINT"),
  };
}
