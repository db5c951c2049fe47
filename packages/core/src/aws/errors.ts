import { type EcrPushError, isEcrPushError, PushFailedError } from "../errors/index.js";
import { tlsFailure } from "../net/index.js";
import type { InputNames } from "../request/index.js";

/** Where a failed AWS call went, for the one sentence that reports it. */
export interface AwsCallContext {
  service: "ECR" | "ECR Public" | "STS";
  /** API operation (`DescribeRepositories`, `AssumeRole`) or `credentials` for the provider chain. */
  operation: string;
  region: string;
  /** The configured endpoint URL, when not the default one. */
  endpoint?: string;
  /** The proxy the call went through, when one applies (HTTPS_PROXY and the like), without credentials. */
  proxy?: string;
  /** The role the call assumes, when it assumes one. */
  roleArn?: string;
  /** The shared-config profile the credentials come from, if any. */
  profile?: string;
  /** How the host spells its inputs: a missing-credentials sentence names only the ways it offers. */
  inputNames?: Partial<InputNames>;
}

/** Stable `PushFailedError` codes for AWS failures (documented for `--json` users). */
export const AwsErrorCodes = {
  credentialsNotFound: "CredentialsNotFound",
  credentialsRejected: "CredentialsRejected",
  credentialsExpired: "CredentialsExpired",
  accessDenied: "AccessDenied",
  assumeRoleFailed: "AssumeRoleFailed",
  throttled: "Throttled",
  unreachable: "EndpointUnreachable",
  repositoryNotFound: "RepositoryNotFound",
  invalidAuthorizationToken: "InvalidAuthorizationToken",
  aborted: "Aborted",
  regionMismatch: "RegionMismatch",
  requestFailed: "AwsRequestFailed",
} as const;

const REJECTED_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "ExpiredToken",
  "IncompleteSignature",
]);
const ACCESS_DENIED = new Set(["AccessDeniedException", "AccessDenied"]);
const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);
const NETWORK = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "ETIMEDOUT",
  "ECONNRESET",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "TimeoutError",
]);

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  syscall?: string;
  path?: string;
  errors?: unknown[];
}

/** The AWS error code (`RepositoryNotFoundException`) of an SDK error, else its name. */
export function awsErrorName(error: unknown): string {
  const e = (error ?? {}) as ErrorShape & { Code?: string };
  return e.Code ?? e.name ?? "Error";
}

/** Maps any error from an AWS call to one actionable sentence; never a stack, never a secret. */
export function awsFailure(error: unknown, context: AwsCallContext): EcrPushError {
  if (isEcrPushError(error)) return error;
  const fail = (code: string, message: string) => new PushFailedError(code, message, { cause: error });
  const e = (error ?? {}) as ErrorShape;
  const name = awsErrorName(error);
  const { service, operation } = context;

  if (name === "AbortError") return fail(AwsErrorCodes.aborted, "The push was cancelled.");
  const certificate = tlsFailure(error, context.endpoint ?? `the ${service} endpoint of ${context.region}`);
  if (certificate) return certificate;
  const network = networkCode(e);
  if (network) {
    return fail(
      AwsErrorCodes.unreachable,
      context.proxy
        ? `Could not reach ${service} at ${context.endpoint ?? context.region} through the proxy ${context.proxy} (${network}): check that the proxy runs and allows the connection, or leave the host out with NO_PROXY.`
        : `Could not reach ${service} at ${context.endpoint ?? context.region} (${network}): check the network connection and AWS_ENDPOINT_URL_${service.toUpperCase().replace(" ", "_")}.`,
    );
  }
  if (
    context.endpoint &&
    REJECTED_CREDENTIALS.has(name) &&
    /scoped to (a valid|the correct|correct) region/i.test(e.message ?? "")
  ) {
    // The keys are fine: the configured endpoint serves another region than the one signed for.
    return fail(
      AwsErrorCodes.regionMismatch,
      `${service} at ${context.endpoint} does not serve region ${context.region} (${name}): set the region the endpoint belongs to.`,
    );
  }
  if (name === "ExpiredTokenException" || name === "ExpiredToken") {
    return fail(
      AwsErrorCodes.credentialsExpired,
      `The AWS credentials have expired (${name}): get fresh temporary credentials (a new role session or token) and run the push again; if they should still be valid, check the system clock.`,
    );
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return fail(
      AwsErrorCodes.credentialsRejected,
      `AWS rejected the credentials (${name}): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.`,
    );
  }
  if (name === "CredentialsProviderError") {
    return fail(AwsErrorCodes.credentialsNotFound, credentialsNotFound(context.profile, context.inputNames));
  }
  if (e.syscall === "open" && e.path) {
    return fail(
      AwsErrorCodes.credentialsNotFound,
      `Could not read the web identity token file "${e.path}" (${e.code}): check that it exists and is readable.`,
    );
  }
  if (context.roleArn) {
    const advice = ACCESS_DENIED.has(name)
      ? "check that the role's trust policy allows these credentials (and the external ID, if one is set)."
      : sentence(e.message, name);
    return fail(
      AwsErrorCodes.assumeRoleFailed,
      `Could not assume role ${context.roleArn} (${name}): ${advice}`,
    );
  }
  if (ACCESS_DENIED.has(name)) {
    const action = /not authorized to perform:?\s*([\w-]+:[\w*]+)/.exec(e.message ?? "")?.[1];
    return fail(
      AwsErrorCodes.accessDenied,
      `AWS denied ${action ?? `${service.toLowerCase().replace(" ", "-")}:${operation}`} (${name}): allow that action for these credentials in an IAM policy.`,
    );
  }
  if (THROTTLING.has(name)) {
    return fail(
      AwsErrorCodes.throttled,
      `${service} throttled ${operation} (${name}) even after retries: wait a moment and try again, or run fewer pushes at once in this account and region.`,
    );
  }
  return fail(AwsErrorCodes.requestFailed, `${service} ${operation} failed: ${sentence(e.message, name)}`);
}

function credentialsNotFound(profile: string | undefined, names: Partial<InputNames> | undefined): string {
  if (profile) {
    return `No AWS credentials found for profile "${profile}": check the profile in the shared config and credentials files, and run aws sso login for an SSO profile.`;
  }
  const ways = credentialWays(names);
  // Every way offered (the CLI): the sentence docs/troubleshooting.md quotes, spelled out whole.
  if (ways.profile && ways.webIdentity) {
    return "No AWS credentials found: give access keys, a profile, or a role with a web identity token, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), SSO, or container or instance metadata.";
  }
  const inputs = ["access keys", ...(ways.profile ? ["a profile"] : [])];
  if (ways.webIdentity) inputs.push("a role with a web identity token");
  const environment = [
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    ...(ways.profile ? ["AWS_PROFILE"] : []),
    "AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN",
  ];
  return `No AWS credentials found: give ${listed(inputs)}, or provide them through the environment (${environment.join(", ")}), ${ways.profile ? "SSO, " : ""}or container or instance metadata.`;
}

/**
 * Which ways of giving credentials a host offers, read from its input names (a host's table
 * leaves out what it declines, and `fromHost` values count): a profile (and with it AWS_PROFILE
 * and SSO), and a role with a web identity token or its file. Without names, all of them.
 * Access keys are always a way: a host that takes none as inputs reads them from its environment.
 */
export function credentialWays(names: Partial<InputNames> | undefined): {
  profile: boolean;
  webIdentity: boolean;
} {
  if (!names) return { profile: true, webIdentity: true };
  return {
    profile: names.profile !== undefined,
    webIdentity:
      names.roleArn !== undefined &&
      (names.webIdentityToken !== undefined || names.webIdentityTokenFile !== undefined),
  };
}

/** "a", "a or b", "a, b, or c". */
function listed(items: string[]): string {
  if (items.length < 3) return items.join(" or ");
  return `${items.slice(0, -1).join(", ")}, or ${items.at(-1)}`;
}

/** The network error code of a failed request (also inside an AggregateError), if it is one. */
function networkCode(e: ErrorShape): string | undefined {
  for (const candidate of [e, ...(e.errors ?? [])] as ErrorShape[]) {
    if (candidate.code && NETWORK.has(candidate.code)) return candidate.code;
    if (candidate.name && NETWORK.has(candidate.name)) return candidate.name;
  }
  return undefined;
}

/** An AWS message as the tail of one sentence: whitespace collapsed, exactly one final period. */
function sentence(message: string | undefined, fallback: string): string {
  const text = (message ?? "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.\s]+$/, "");
  return `${text || fallback}.`;
}
