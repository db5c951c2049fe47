import { describe, expect, it } from "vitest";
import { type AwsCallContext, awsFailure, EcrApi, InputError, PushFailedError } from "../../../src/index.js";
import { FakeLogger, FakeMasker } from "../workflow/fakes.js";

const ecr: AwsCallContext = { service: "ECR", operation: "DescribeRepositories", region: "eu-west-1" };

function awsError(name: string, message = "", extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 }, ...extra });
}

describe("awsFailure", () => {
  it.each<[string, unknown, AwsCallContext, string, string]>([
    [
      "rejected credentials",
      awsError("UnrecognizedClientException", "The security token included in the request is invalid."),
      ecr,
      "CredentialsRejected",
      "AWS rejected the credentials (UnrecognizedClientException): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.",
    ],
    ...["InvalidSignatureException", "SignatureDoesNotMatch", "InvalidClientTokenId"].map(
      (name): [string, unknown, AwsCallContext, string, string] => [
        name,
        awsError(name),
        ecr,
        "CredentialsRejected",
        `AWS rejected the credentials (${name}): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.`,
      ],
    ),
    [
      "ExpiredTokenException",
      awsError("ExpiredTokenException", "The security token included in the request is expired"),
      ecr,
      "CredentialsExpired",
      "The AWS credentials have expired (ExpiredTokenException): get fresh temporary credentials (a new role session or token) and run the push again; if they should still be valid, check the system clock.",
    ],
    [
      "access denied with the action in the message",
      awsError(
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:DescribeRepositories on resource: x",
      ),
      ecr,
      "AccessDenied",
      "AWS denied ecr:DescribeRepositories (AccessDeniedException): allow that action for these credentials in an IAM policy.",
    ],
    [
      "access denied without the action",
      awsError("AccessDeniedException", "denied"),
      { ...ecr, operation: "GetAuthorizationToken" },
      "AccessDenied",
      "AWS denied ecr:GetAuthorizationToken (AccessDeniedException): allow that action for these credentials in an IAM policy.",
    ],
    [
      "ECR Public: access denied without the action names ecr-public's",
      awsError("AccessDeniedException", "denied"),
      { service: "ECR Public", operation: "DescribeRegistries", region: "us-east-1" },
      "AccessDenied",
      "AWS denied ecr-public:DescribeRegistries (AccessDeniedException): allow that action for these credentials in an IAM policy.",
    ],
    [
      "ECR Public: unreachable names its endpoint variable",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
      { service: "ECR Public", operation: "GetAuthorizationToken", region: "us-east-1" },
      "EndpointUnreachable",
      "Could not reach ECR Public at us-east-1 (ECONNREFUSED): check the network connection and AWS_ENDPOINT_URL_ECR_PUBLIC.",
    ],
    [
      "throttling",
      awsError("ThrottlingException", "Rate exceeded"),
      ecr,
      "Throttled",
      "ECR throttled DescribeRepositories (ThrottlingException) even after retries: wait a moment and try again, or run fewer pushes at once in this account and region.",
    ],
    [
      "connection refused at a configured endpoint",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
      { ...ecr, endpoint: "http://127.0.0.1:9" },
      "EndpointUnreachable",
      "Could not reach ECR at http://127.0.0.1:9 (ECONNREFUSED): check the network connection and AWS_ENDPOINT_URL_ECR.",
    ],
    [
      "unknown host",
      Object.assign(new Error("getaddrinfo ENOTFOUND api.ecr.eu-west-1.amazonaws.com"), {
        code: "ENOTFOUND",
      }),
      ecr,
      "EndpointUnreachable",
      "Could not reach ECR at eu-west-1 (ENOTFOUND): check the network connection and AWS_ENDPOINT_URL_ECR.",
    ],
    [
      "timeout",
      Object.assign(new Error("Connection timed out"), { name: "TimeoutError" }),
      ecr,
      "EndpointUnreachable",
      "Could not reach ECR at eu-west-1 (TimeoutError): check the network connection and AWS_ENDPOINT_URL_ECR.",
    ],
    [
      "refused on every address (AggregateError)",
      Object.assign(new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })], "")),
      ecr,
      "EndpointUnreachable",
      "Could not reach ECR at eu-west-1 (ECONNREFUSED): check the network connection and AWS_ENDPOINT_URL_ECR.",
    ],
    [
      "credentials missing",
      awsError("CredentialsProviderError", "Could not load credentials from any providers"),
      { service: "STS", operation: "credentials", region: "eu-west-1" },
      "CredentialsNotFound",
      "No AWS credentials found: give access keys, a profile, or a role with a web identity token, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), SSO, or container or instance metadata.",
    ],
    [
      "credentials missing on a host without profiles (its names leave profile out)",
      awsError("CredentialsProviderError", "Could not load credentials from any providers"),
      {
        service: "STS",
        operation: "credentials",
        region: "eu-west-1",
        inputNames: { roleArn: "role-arn", webIdentityToken: "the job's ID token" },
      },
      "CredentialsNotFound",
      "No AWS credentials found: give access keys or a role with a web identity token, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), or container or instance metadata.",
    ],
    [
      "credentials missing on a host with a role but no token of its own",
      awsError("CredentialsProviderError", "Could not load credentials from any providers"),
      { service: "STS", operation: "credentials", region: "eu-west-1", inputNames: { roleArn: "ROLE_ARN" } },
      "CredentialsNotFound",
      "No AWS credentials found: give access keys, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), or container or instance metadata.",
    ],
    [
      "credentials missing on a host offering every way",
      awsError("CredentialsProviderError", "Could not load credentials from any providers"),
      {
        service: "STS",
        operation: "credentials",
        region: "eu-west-1",
        inputNames: {
          profile: "--profile",
          roleArn: "--role-arn",
          webIdentityTokenFile: "--web-identity-token-file",
        },
      },
      "CredentialsNotFound",
      "No AWS credentials found: give access keys, a profile, or a role with a web identity token, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), SSO, or container or instance metadata.",
    ],
    [
      "a profile without credentials",
      awsError("CredentialsProviderError", "Profile dev could not be found"),
      { service: "STS", operation: "credentials", region: "eu-west-1", profile: "dev" },
      "CredentialsNotFound",
      'No AWS credentials found for profile "dev": check the profile in the shared config and credentials files, and run aws sso login for an SSO profile.',
    ],
    [
      "an unreadable web identity token file",
      Object.assign(new Error("ENOENT: no such file"), {
        code: "ENOENT",
        syscall: "open",
        path: "/var/run/token",
      }),
      { service: "STS", operation: "AssumeRoleWithWebIdentity", region: "eu-west-1", roleArn: "arn:r" },
      "CredentialsNotFound",
      'Could not read the web identity token file "/var/run/token" (ENOENT): check that it exists and is readable.',
    ],
    [
      "STS refusing a role for another reason",
      awsError(
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.\n",
      ),
      {
        service: "STS",
        operation: "AssumeRole",
        region: "eu-west-1",
        roleArn: "arn:aws:iam::123456789012:role/r",
      },
      "AssumeRoleFailed",
      "Could not assume role arn:aws:iam::123456789012:role/r (ValidationError): The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    ],
    [
      "anything else",
      awsError("KmsException", "  KMS key   is disabled.  "),
      { ...ecr, operation: "CreateRepository" },
      "AwsRequestFailed",
      "ECR CreateRepository failed: KMS key is disabled.",
    ],
    [
      "anything else without a message",
      awsError("ServerException", ""),
      ecr,
      "AwsRequestFailed",
      "ECR DescribeRepositories failed: ServerException.",
    ],
    [
      "an aborted call",
      Object.assign(new Error("Request aborted"), { name: "AbortError" }),
      ecr,
      "Aborted",
      "The push was cancelled.",
    ],
  ])("%s", (_, error, context, code, message) => {
    const failure = awsFailure(error, context);
    expect(failure).toBeInstanceOf(PushFailedError);
    expect(failure.code).toBe(code);
    expect(failure.message).toBe(message);
    expect(failure.cause).toBe(error);
  });

  it("passes ecr-push errors through unchanged", () => {
    const input = new InputError("region", "No AWS region: set region or AWS_REGION.");
    expect(awsFailure(input, ecr)).toBe(input);
  });
});

describe("EcrApi against an endpoint that does not answer", () => {
  it("says where ECR could not be reached", async () => {
    const api = new EcrApi({
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIA", secretAccessKey: "sk" },
      env: { AWS_ENDPOINT_URL_ECR: "http://127.0.0.1:9" },
      logger: new FakeLogger(),
      secrets: new FakeMasker(),
    });
    try {
      const error = await api.getAuthorization().catch((e: unknown) => e);
      expect((error as PushFailedError).code).toBe("EndpointUnreachable");
      expect((error as PushFailedError).message).toBe(
        "Could not reach ECR at http://127.0.0.1:9 (ECONNREFUSED): check the network connection and AWS_ENDPOINT_URL_ECR.",
      );
    } finally {
      api.destroy();
    }
  });
});
