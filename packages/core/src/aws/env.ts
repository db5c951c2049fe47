import { InputError } from "../errors/index.js";
import type { EndpointVariant } from "./registry-host.js";

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

/**
 * An AWS boolean setting (`AWS_USE_DUALSTACK_ENDPOINT`...): true or false in any case, unset or
 * empty is false; anything else is refused, as the AWS SDKs refuse it.
 */
export function envFlag(env: AwsEnv, name: string): boolean {
  const value = env[name]?.trim().toLowerCase() ?? "";
  if (value === "" || value === "false") return false;
  if (value === "true") return true;
  throw new InputError(name, `${name} must be true or false, not "${env[name]}": fix it or unset it.`);
}

/** Checks the endpoint variables before any work starts, so a malformed one is bad input (exit 2). */
export function checkEndpointEnv(env: AwsEnv): void {
  endpointVariant(false, env);
  envFlag(env, "AWS_USE_DUALSTACK_ENDPOINT");
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
