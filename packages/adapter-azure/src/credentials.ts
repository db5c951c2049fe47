import { type InputNames, PushFailedError, type RawPushInputs, type SecretMasker } from "@ecr-push/core";
import type { Agent } from "./agent.js";

/** The AWS Toolkit's default session name for assumed roles; kept so IAM trust policies still match. */
export const TOOLKIT_ROLE_SESSION_NAME = "aws-vsts-tools";

type CredentialInputs = Pick<
  RawPushInputs,
  | "accessKeyId"
  | "secretAccessKey"
  | "sessionToken"
  | "roleArn"
  | "externalId"
  | "roleSessionName"
  | "roleDurationSeconds"
  | "webIdentityToken"
>;

export interface TaskCredentials {
  raw: CredentialInputs;
  names: Partial<InputNames>;
  /** Where they come from, for the log (never a secret). */
  description: string;
}

/** Fetches the agent's OIDC token for a service connection (see oidc.ts). */
export type OidcTokenSource = (endpointId: string) => Promise<string>;

/**
 * Credentials in the AWS Toolkit's order: the `awsCredentials` service connection (keys, a role to
 * assume with them or with the agent's own credentials, or OIDC), else the task variables
 * AWS.AccessKeyID/AWS.SecretAccessKey/AWS.SessionToken/AWS.AssumeRoleArn, else nothing: core then
 * uses the default chain (environment, instance metadata). Every secret is masked as soon as it is read.
 */
export async function readCredentials(
  agent: Agent,
  secrets: SecretMasker,
  oidcToken: OidcTokenSource,
): Promise<TaskCredentials> {
  const secret = (value: string) => {
    if (value) secrets.mask(value);
    return value;
  };
  const duration = agent.variable("aws.rolecredential.maxduration");
  const endpointId = agent.input("awsCredentials");
  if (endpointId) {
    const param = (key: string) => agent.endpointParameter(endpointId, key);
    const label = (field: string) => `${field} of service connection awsCredentials`;
    // OIDC: our scheme None, or the Toolkit's Use OIDC box on a connection without keys (the
    // Toolkit's tasks use the keys when both are there, so this task does too).
    const keyless = !param("username") && !param("password");
    const oidc =
      agent.endpointScheme(endpointId).toLowerCase() === "none" ||
      (keyless && /^true$/i.test(param("useOIDC")));
    const secretAccessKey = oidc ? "" : secret(param("password"));
    const sessionToken = oidc ? "" : secret(param("sessionToken"));
    const roleArn = (oidc && param("role")) || param("assumeRoleArn");
    const webIdentityToken = oidc ? secret(await oidcToken(endpointId)) : "";
    return {
      raw: {
        accessKeyId: oidc ? "" : param("username"),
        secretAccessKey,
        sessionToken,
        roleArn,
        externalId: oidc ? "" : param("externalId"),
        roleSessionName: roleArn ? param("roleSessionName") || TOOLKIT_ROLE_SESSION_NAME : "",
        roleDurationSeconds: roleArn && !oidc ? duration : "",
        webIdentityToken,
      },
      names: {
        accessKeyId: label("Access Key ID"),
        secretAccessKey: label("Secret Access Key"),
        sessionToken: label("session token"),
        roleArn: label("role ARN"),
        externalId: label("external ID"),
        roleSessionName: label("role session name"),
        roleDurationSeconds: "aws.rolecredential.maxduration variable",
        webIdentityToken: label("OIDC token"),
      },
      description: `service connection ${endpointId}${oidc ? " (OIDC)" : ""}`,
    };
  }
  const accessKeyId = agent.variable("AWS.AccessKeyID");
  if (!accessKeyId) return { raw: {}, names: {}, description: "the agent's environment or instance" };
  const roleArn = agent.variable("AWS.AssumeRoleArn");
  return {
    raw: {
      accessKeyId,
      secretAccessKey: secret(agent.secretVariable("AWS.SecretAccessKey")),
      sessionToken: secret(agent.secretVariable("AWS.SessionToken")),
      roleArn,
      externalId: roleArn ? agent.variable("AWS.ExternalId") : "",
      roleSessionName: roleArn ? agent.variable("AWS.RoleSessionName") || TOOLKIT_ROLE_SESSION_NAME : "",
      roleDurationSeconds: roleArn ? duration : "",
    },
    names: {
      accessKeyId: "AWS.AccessKeyID variable",
      secretAccessKey: "AWS.SecretAccessKey variable",
      sessionToken: "AWS.SessionToken variable",
      roleArn: "AWS.AssumeRoleArn variable",
      externalId: "AWS.ExternalId variable",
      roleSessionName: "AWS.RoleSessionName variable",
      roleDurationSeconds: "aws.rolecredential.maxduration variable",
    },
    description: "task variables",
  };
}

/**
 * The agent's OIDC token for a service connection: POST to System.OidcRequestUri with the job's
 * System.AccessToken (masked before use). Core exchanges the token with STS AssumeRoleWithWebIdentity.
 */
export function agentOidcTokens(
  agent: Agent,
  secrets: SecretMasker,
  fetchImpl: typeof fetch = fetch,
): OidcTokenSource {
  return async (endpointId) => {
    const requestUri = agent.variable("System.OidcRequestUri");
    const accessToken = agent.secretVariable("System.AccessToken");
    if (accessToken) secrets.mask(accessToken);
    if (!requestUri || !accessToken) {
      const missing = requestUri ? "System.AccessToken" : "System.OidcRequestUri";
      throw new PushFailedError(
        "OidcUnavailable",
        `Service connection ${endpointId} uses OIDC but the agent gave no ${missing}: run the task on an agent and Azure DevOps version that support workload identity federation.`,
      );
    }
    const url = new URL(requestUri);
    url.searchParams.set("api-version", "7.1");
    url.searchParams.set("serviceConnectionId", endpointId);
    const failed = (reason: string, cause?: unknown) =>
      new PushFailedError(
        "OidcTokenRequestFailed",
        `Azure DevOps gave no OIDC token for service connection ${endpointId} (${reason}): check that this pipeline may use the connection and that it is set up for OIDC.`,
        { cause },
      );
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: "POST",
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
        body: "{}",
      });
    } catch (error) {
      throw failed((error as Error).message.split("\n")[0] ?? "network error", error);
    }
    if (!response.ok) throw failed(`HTTP ${response.status}`);
    const body = (await response.json().catch(() => ({}))) as { oidcToken?: unknown };
    if (typeof body.oidcToken !== "string" || !body.oidcToken) throw failed("the answer held no oidcToken");
    return body.oidcToken;
  };
}
