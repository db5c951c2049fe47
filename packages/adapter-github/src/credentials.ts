import * as actions from "@actions/core";
import { AwsErrorCodes, type EcrPushError, PushFailedError, type PushRequest } from "@ecr-push/core";
import type { ActionsLog } from "./log.js";

/** The audience AWS expects in a GitHub OIDC token. */
export const OIDC_AUDIENCE = "sts.amazonaws.com";

const ID_TOKEN_PERMISSION = 'add "permissions: id-token: write" to the workflow or job';

/**
 * GitHub's OIDC token is used for role-to-assume when no access keys are given and the job may
 * request one (the runner sets ACTIONS_ID_TOKEN_REQUEST_URL only with `id-token: write`).
 */
export function usesOidc(
  request: Pick<PushRequest, "credentials">,
  env: Record<string, string | undefined>,
): boolean {
  return (
    !!request.credentials.roleArn && !request.credentials.accessKeyId && !!env.ACTIONS_ID_TOKEN_REQUEST_URL
  );
}

/** Requests the job's OIDC token for AWS; getIDToken masks it before returning it. */
export async function oidcToken(log: ActionsLog): Promise<string> {
  let token: string;
  try {
    token = await actions.getIDToken(OIDC_AUDIENCE);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const status = /Error Code\s*:\s*(\d{3})/.exec(text)?.[1];
    const detail = status
      ? `HTTP ${status}`
      : text
          .replace(/^Error message:\s*/, "")
          .split("\n")[0]
          ?.trim();
    throw new PushFailedError(
      "OidcTokenFailed",
      `Could not get a GitHub OIDC token for role-to-assume (${detail}): ${ID_TOKEN_PERMISSION} and check that the job can reach GitHub.`,
      { cause: error },
    );
  }
  log.masked(token);
  return token;
}

/**
 * With role-to-assume but neither keys nor an OIDC token, core assumes the role from the default
 * chain; when that chain is empty, the likely fix on GitHub is the missing id-token permission.
 */
export function withCredentialsHint(
  error: EcrPushError,
  request: Pick<PushRequest, "credentials"> | undefined,
): EcrPushError {
  if (error.code !== AwsErrorCodes.credentialsNotFound || !request?.credentials.roleArn) return error;
  return new PushFailedError(
    error.code,
    `No AWS credentials found to assume role-to-assume with: ${ID_TOKEN_PERMISSION} so the action can use GitHub's OIDC token, give aws-access-key-id and aws-secret-access-key, or run aws-actions/configure-aws-credentials before this step.`,
    { cause: error },
  );
}
