import { readFileSync } from "node:fs";
import type * as CredentialProviders from "@aws-sdk/credential-providers";
import { PushFailedError } from "../errors/index.js";
import { sdkRequestHandler } from "../net/index.js";
import type { SecretMasker } from "../ports/index.js";
import type { CredentialInputs, InputNames } from "../request/index.js";
import { type AwsEnv, endpointFromEnv, endpointVariant } from "./env.js";
import { AwsErrorCodes, awsFailure } from "./errors.js";
import { sdkRetryConfig } from "./retry.js";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type AwsCredentialProvider = () => Promise<AwsCredentials>;

/** Where the base credentials come from, before any role is assumed on top. */
export type CredentialSource =
  | "access keys"
  | "environment access keys"
  | "profile"
  | "web identity token"
  | "web identity token file"
  | "container credentials"
  | "default chain";

export interface CredentialPlan {
  source: CredentialSource;
  /** The role assumed on top of the base credentials with STS AssumeRole (not the web identity one). */
  assumeRoleArn?: string;
  /** For logs: what is used, never a secret. */
  description: string;
}

export interface CredentialOptions {
  /** The resolved region; STS is called there. */
  region: string;
  env: AwsEnv;
  secrets: SecretMasker;
  /** How the host spells its inputs: failures name only the ways of giving credentials it offers. */
  inputNames?: Partial<InputNames>;
  /** The dualStack input (undefined: AWS_USE_DUALSTACK_ENDPOINT decides), for the STS endpoint. */
  dualStack?: boolean;
}

export const DEFAULT_ROLE_SESSION_NAME = "ecr-push";

/** Registers every secret input with the masker; call it before anything could print them. */
export function maskSecretInputs(inputs: CredentialInputs, secrets: SecretMasker, env: AwsEnv = {}): void {
  const tokenFiles = [
    inputs.webIdentityTokenFile,
    env.AWS_WEB_IDENTITY_TOKEN_FILE,
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
  ];
  for (const secret of [
    inputs.secretAccessKey,
    inputs.sessionToken,
    inputs.webIdentityToken,
    env.AWS_SECRET_ACCESS_KEY,
    env.AWS_SESSION_TOKEN,
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    // The SDK reads token files itself (IRSA, --web-identity-token-file, EKS Pod Identity): mask
    // what it will send (a rotated Pod Identity token is read again by the SDK, never printed by us).
    ...tokenFiles.map(readTokenFile),
  ]) {
    if (secret) secrets.mask(secret);
  }
}

/** A token file's content, or undefined when there is none to read (the provider then says why). */
function readTokenFile(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Decides which provider serves the inputs: keys, else profile, else web identity, else the default chain. */
export function planCredentials(inputs: CredentialInputs, env: AwsEnv): CredentialPlan {
  const source = credentialSource(inputs, env);
  const webIdentity = source === "web identity token" || source === "web identity token file";
  const assumeRoleArn = !webIdentity ? inputs.roleArn : undefined;
  const base =
    source === "profile"
      ? `profile ${inputs.profile}`
      : webIdentity
        ? `${source} for role ${inputs.roleArn}`
        : source;
  return { source, assumeRoleArn, description: assumeRoleArn ? `${base}, then role ${assumeRoleArn}` : base };
}

function credentialSource(inputs: CredentialInputs, env: AwsEnv): CredentialSource {
  if (inputs.accessKeyId && inputs.secretAccessKey) return "access keys";
  if (inputs.profile) return "profile";
  if (inputs.webIdentityToken) return "web identity token";
  if (inputs.webIdentityTokenFile) return "web identity token file";
  // The first link of the default chain, read from the injected env so hosts and tests control it.
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return "environment access keys";
  // The container provider (EKS Pod Identity, ECS task roles), when nothing the chain tries before
  // it is configured: asked directly, so its refusal is reported as itself rather than as "none found".
  if (
    (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) &&
    !env.AWS_PROFILE &&
    !env.AWS_WEB_IDENTITY_TOKEN_FILE
  ) {
    return "container credentials";
  }
  return "default chain";
}

/**
 * The provider module, and the STS and SSO clients it carries, load only when a plan needs them:
 * a push with plain keys never pays for them at start-up.
 */
function lazy(make: (providers: typeof CredentialProviders) => AwsCredentialProvider): AwsCredentialProvider {
  let provider: AwsCredentialProvider | undefined;
  return async (...args) => {
    provider ??= make(await import("@aws-sdk/credential-providers"));
    return provider(...args);
  };
}

/** Builds the provider for the plan; every credential it resolves is masked before it is returned. */
export function createCredentialProvider(
  inputs: CredentialInputs,
  options: CredentialOptions,
): AwsCredentialProvider {
  const { region, env, secrets } = options;
  const plan = planCredentials(inputs, env);
  const endpoint = endpointFromEnv("STS", env);
  const variant = endpointVariant(options.dualStack, env);
  // Only STS clients get this config: fromIni and the chain pass clientConfig to SSO as well.
  const stsConfig = {
    region,
    // As for ECR: always said, and a configured endpoint URL used as it is.
    useDualstackEndpoint: !endpoint && variant.dualStack,
    useFipsEndpoint: !endpoint && variant.fips,
    ...(endpoint ? { endpoint } : {}),
    ...sdkRetryConfig(env),
    requestHandler: sdkRequestHandler(env),
  };
  const role = {
    roleArn: inputs.roleArn ?? "",
    roleSessionName: inputs.roleSessionName ?? DEFAULT_ROLE_SESSION_NAME,
    durationSeconds: inputs.roleDurationSeconds,
    clientConfig: stsConfig,
  };

  let base: AwsCredentialProvider;
  switch (plan.source) {
    case "access keys":
      base = staticCredentials(inputs.accessKeyId, inputs.secretAccessKey, inputs.sessionToken);
      break;
    case "environment access keys":
      base = staticCredentials(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN);
      break;
    case "profile":
      base = lazy((p) => p.fromIni({ profile: inputs.profile }));
      break;
    case "web identity token":
      base = lazy((p) => p.fromWebToken({ ...role, webIdentityToken: inputs.webIdentityToken ?? "" }));
      break;
    case "web identity token file":
      base = lazy((p) => p.fromTokenFile({ ...role, webIdentityTokenFile: inputs.webIdentityTokenFile }));
      break;
    case "container credentials":
      // From the injected env; the token file is read again at every fetch (the agent rotates it).
      base = lazy((p) =>
        p.fromHttp({
          awsContainerCredentialsFullUri: env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
          awsContainerCredentialsRelativeUri: env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
          awsContainerAuthorizationToken: env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
          awsContainerAuthorizationTokenFile: env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
        }),
      );
      break;
    default:
      base = lazy((p) => p.fromNodeProviderChain(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}));
  }
  base = masking(base, secrets);
  if (!plan.assumeRoleArn) return base;
  const master = base;
  return masking(
    lazy((p) =>
      p.fromTemporaryCredentials({
        masterCredentials: master,
        params: {
          RoleArn: plan.assumeRoleArn ?? "",
          RoleSessionName: role.roleSessionName,
          ExternalId: inputs.externalId,
          DurationSeconds: inputs.roleDurationSeconds,
        },
        clientConfig: stsConfig,
      }),
    ),
    secrets,
  );
}

/**
 * Resolves the credentials once (a push needs them for minutes, far less than their lifetime),
 * turning provider and STS failures into one-sentence PushFailedErrors.
 */
export async function resolveCredentials(
  inputs: CredentialInputs,
  options: CredentialOptions,
): Promise<AwsCredentials> {
  const plan = planCredentials(inputs, options.env);
  const provider = createCredentialProvider(inputs, options);
  try {
    return await provider();
  } catch (error) {
    if (plan.source === "container credentials") throw containerCredentialsFailure(error, options.env);
    const webIdentity = plan.source.startsWith("web identity");
    throw awsFailure(error, {
      service: "STS",
      operation: webIdentity
        ? "AssumeRoleWithWebIdentity"
        : plan.assumeRoleArn
          ? "AssumeRole"
          : "credentials",
      region: options.region,
      endpoint: endpointFromEnv("STS", options.env),
      roleArn: webIdentity ? inputs.roleArn : plan.assumeRoleArn,
      profile: plan.source === "profile" ? inputs.profile : options.env.AWS_PROFILE,
      inputNames: options.inputNames,
    });
  }
}

function staticCredentials(
  accessKeyId: string | undefined,
  secretAccessKey: string | undefined,
  sessionToken: string | undefined,
): AwsCredentialProvider {
  const credentials: AwsCredentials = {
    accessKeyId: accessKeyId ?? "",
    secretAccessKey: secretAccessKey ?? "",
  };
  if (sessionToken) credentials.sessionToken = sessionToken;
  return async () => credentials;
}

function masking(provider: AwsCredentialProvider, secrets: SecretMasker): AwsCredentialProvider {
  return async () => {
    const credentials = await provider();
    secrets.mask(credentials.secretAccessKey);
    if (credentials.sessionToken) secrets.mask(credentials.sessionToken);
    return credentials;
  };
}

/**
 * The container credentials endpoint's refusal in one sentence: which endpoint, its answer (HTTP
 * status and error code, never the token), and what to check.
 */
function containerCredentialsFailure(error: unknown, env: AwsEnv): PushFailedError {
  const e = error as { message?: string; Code?: string };
  const url =
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ??
    `http://169.254.170.2${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? ""}`;
  const status = /status: (\d{3})/.exec(e?.message ?? "")?.[1];
  const answer = status ? `HTTP ${status}${e.Code ? ` ${e.Code}` : ""}` : "no answer";
  const token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
    ? "that AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is the pod's current service account token"
    : env.AWS_CONTAINER_AUTHORIZATION_TOKEN
      ? "AWS_CONTAINER_AUTHORIZATION_TOKEN"
      : "that the endpoint needs no authorization token";
  const refused = status === "400" || status === "401" || status === "403";
  return new PushFailedError(
    AwsErrorCodes.credentialsRejected,
    refused
      ? `The container credentials endpoint ${url} refused the request (${answer}): check ${token}, and that the pod's service account has an EKS Pod Identity association (or the task a role).`
      : `Could not get credentials from the container credentials endpoint ${url} (${answer}): check that the EKS Pod Identity agent (or the ECS agent) runs and that AWS_CONTAINER_CREDENTIALS_FULL_URI points at it.`,
    { cause: error },
  );
}
