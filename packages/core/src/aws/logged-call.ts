import { proxyForEndpoint } from "../net/index.js";
import type { Logger } from "../ports/index.js";
import type { AwsEnv } from "./env.js";
import { type AwsCallContext, awsErrorName, awsFailure } from "./errors.js";

/** Where an API's calls go, for their debug lines and for the sentence of a call that fails. */
export interface ApiTarget {
  /** How sentences name the API: `ECR`, `ECR Public`. */
  service: AwsCallContext["service"];
  region: string;
  /** The configured endpoint (AWS_ENDPOINT_URL_*), if any. */
  endpoint?: string;
  /** The URL the SDK calls when none is configured, to find the proxy that applies to it. */
  defaultEndpoint: string;
  logger: Logger;
  env: AwsEnv;
}

/** JSON replacer for logged responses: an authorization token never reaches a log line. */
function redactTokens(key: string, value: unknown): unknown {
  return key === "authorizationToken" ? "***" : value;
}

/**
 * Runs one SDK call, logging its request and response at debug level (what hosts show for
 * logRequest/logResponse, tokens redacted); errors other than the `expected` codes become
 * PushFailedErrors in one sentence.
 */
export async function loggedCall<T extends { $metadata?: { httpStatusCode?: number; requestId?: string } }>(
  target: ApiTarget,
  operation: string,
  input: object,
  send: () => Promise<T>,
  expected: string[] = [],
): Promise<T> {
  const { service, region, endpoint, logger } = target;
  logger.debug(
    `${service} ${operation} request (region ${region}${endpoint ? `, endpoint ${endpoint}` : ""}): ${JSON.stringify(input)}`,
  );
  try {
    const response = await send();
    const { $metadata, ...output } = response;
    logger.debug(
      `${service} ${operation} response (HTTP ${$metadata?.httpStatusCode ?? "?"}, request id ${$metadata?.requestId ?? "none"}): ${JSON.stringify(output, redactTokens)}`,
    );
    return response;
  } catch (error) {
    if (expected.includes(awsErrorName(error))) throw error;
    throw awsFailure(error, {
      service,
      operation,
      region,
      endpoint,
      proxy: proxyForEndpoint(endpoint ?? target.defaultEndpoint, target.env),
    });
  }
}
