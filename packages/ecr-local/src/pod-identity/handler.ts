import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AssumedRole, Context } from "../context.js";
import { send } from "../http.js";

/** Where an EKS Pod Identity agent serves credentials (http://169.254.170.23/v1/credentials). */
export const POD_IDENTITY_PATH = "/v1/credentials";

/** How ecr-local plays the EKS Pod Identity agent of one pod. */
export interface PodIdentityOptions {
  /**
   * The pod's service account token file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). Read at every
   * request, as the kubelet rotates the token: a request is served only when its Authorization
   * header is exactly the file's content now.
   */
  tokenFile: string;
  /** The IAM role the pod's Pod Identity association names; default `arn:aws:iam::ACCOUNT:role/pod-identity`. */
  roleArn?: string;
  /** Lifetime of the credentials served; default 6 hours, as EKS Pod Identity gives. */
  durationSeconds?: number;
}

/**
 * GET /v1/credentials as the agent answers it: the role's temporary credentials
 * (`AccessKeyId`, `SecretAccessKey`, `Token`, `AccountId`, `Expiration`), signed requests with them
 * accepted by the control plane and STS; 400 without an Authorization header ("Service account
 * token cannot be empty", the agent's words) and 401 when it is not the token file's content.
 * The token is never logged or recorded.
 */
export function handlePodIdentity(ctx: Context, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const [status, body] = answer(ctx, req);
  const type = typeof body === "string" ? "text/plain" : "application/json";
  send(res, status, { "Content-Type": type }, typeof body === "string" ? body : JSON.stringify(body));
}

const TEXT = {
  404: "Not Found",
  405: "Method Not Allowed",
  400: "Service account token cannot be empty",
  500: "The service account token file cannot be read",
} as const;

function answer(ctx: Context, req: IncomingMessage): [number, string | Record<string, unknown>] {
  const options = ctx.podIdentity;
  if (!options) return [404, TEXT[404]];
  if (req.method !== "GET") return [405, TEXT[405]];
  const given = req.headers.authorization;
  if (!given) return [400, TEXT[400]];
  let expected: string;
  try {
    expected = readFileSync(options.tokenFile, "utf8");
  } catch {
    return [500, TEXT[500]];
  }
  if (given !== expected) {
    return [
      401,
      {
        Code: "AccessDeniedException",
        Message: "The service account token is not the one issued to this pod",
      },
    ];
  }
  const roleArn = options.roleArn ?? `arn:aws:iam::${ctx.accountId}:role/pod-identity`;
  const roleName = roleArn.split("/").pop() ?? "pod-identity";
  const durationSeconds = options.durationSeconds ?? 6 * 60 * 60;
  const key = ctx.keys.issueTemporary(
    `arn:aws:sts::${ctx.accountId}:assumed-role/${roleName}/eks-pod-identity`,
    durationSeconds,
  );
  const record: AssumedRole = {
    action: "AssumeRoleForPodIdentity",
    roleArn,
    roleSessionName: "eks-pod-identity",
    durationSeconds,
    hasWebIdentityToken: false,
    accessKeyId: key.accessKeyId,
  };
  ctx.assumedRoles.push(record);
  return [
    200,
    {
      AccessKeyId: key.accessKeyId,
      SecretAccessKey: key.secretAccessKey,
      Token: key.sessionToken,
      AccountId: ctx.accountId,
      Expiration: key.expiresAt?.toISOString(),
    },
  ];
}
