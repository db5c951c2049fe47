import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { STSClient } from "@aws-sdk/client-sts";
import { type LocalEcr, type LocalEcrOptions, startLocalEcr } from "../../src/index.js";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function ecrClient(ecr: LocalEcr, credentials: Credentials = ecr): ECRClient {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return new ECRClient({
    endpoint: ecr.endpoint,
    region: ecr.region,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 1,
  });
}

export function stsClient(ecr: LocalEcr, credentials?: Credentials): STSClient {
  return new STSClient({
    endpoint: ecr.endpoint,
    region: ecr.region,
    maxAttempts: 1,
    // AssumeRoleWithWebIdentity is unsigned; other calls need a key.
    credentials: credentials ?? { accessKeyId: "unused", secretAccessKey: "unused" },
  });
}

/**
 * Points the SDK at the endpoint the way users point it elsewhere: AWS_ENDPOINT_URL_<SERVICE>,
 * read when the client first resolves its endpoint. Returns a function restoring the variable.
 */
export function setEndpointEnv(
  variable: "AWS_ENDPOINT_URL_ECR" | "AWS_ENDPOINT_URL_STS",
  endpoint: string,
): () => void {
  const before = process.env[variable];
  process.env[variable] = endpoint;
  return () => {
    if (before === undefined) delete process.env[variable];
    else process.env[variable] = before;
  };
}

/** Starts an endpoint that ignores the host's AWS_* variables (a generated key pair unless given). */
export async function localEcr(options: LocalEcrOptions = {}): Promise<LocalEcr> {
  return startLocalEcr({ env: {}, ...options });
}

/** A registry password from GetAuthorizationToken, through the SDK. */
export async function registryPassword(ecr: LocalEcr): Promise<string> {
  const out = await ecrClient(ecr).send(new GetAuthorizationTokenCommand({}));
  const token = out.authorizationData?.[0]?.authorizationToken ?? "";
  return Buffer.from(token, "base64").toString("utf8").replace(/^AWS:/, "");
}
