import type { ServerResponse } from "node:http";
import { type AssumedRole, authenticate, type Context, newRequestId, type RecordedCall } from "../context.js";
import { ServiceError, toServiceError } from "../errors.js";
import { send } from "../http.js";
import { generateKeyPair, type SigningKey } from "../sigv4/keys.js";
import type { SignedRequest } from "../sigv4/verify.js";

const XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** STS names the SigV4 failures differently from JSON services. */
const STS_AUTH_ERRORS: Record<string, [code: string, status: number]> = {
  UnrecognizedClientException: ["InvalidClientTokenId", 403],
  InvalidSignatureException: ["SignatureDoesNotMatch", 403],
  ExpiredTokenException: ["ExpiredToken", 400],
  MissingAuthenticationTokenException: ["MissingAuthenticationToken", 403],
  IncompleteSignatureException: ["IncompleteSignature", 400],
};

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" }[c]};`);

/** `<name>` elements from an object, skipping undefined values; strings are escaped, nested objects recurse. */
function elements(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => {
      const inner =
        typeof value === "object" && value !== null
          ? elements(value as Record<string, unknown>)
          : escapeXml(String(value));
      return `<${name}>${inner}</${name}>`;
    })
    .join("");
}

const validation = (message: string) =>
  new ServiceError("ValidationError", `1 validation error detected: ${message}`);

/** The claims worth echoing from a JWT, when the token is one; the token is never verified. */
function jwtClaims(token: string): { sub?: string; aud?: string; iss?: string } {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
    return { sub: payload.sub, aud, iss: payload.iss };
  } catch {
    return {};
  }
}

interface Assumption {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  account: string;
  roleName: string;
}

function assumptionParams(params: URLSearchParams): Assumption {
  const roleArn = params.get("RoleArn") ?? "";
  const role = ROLE_ARN.exec(roleArn);
  if (!role) {
    throw validation(
      `Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must be a role ARN`,
    );
  }
  const roleSessionName = params.get("RoleSessionName") ?? "";
  if (!SESSION_NAME.test(roleSessionName)) {
    throw validation(
      `Value '${roleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}`,
    );
  }
  const durationSeconds = Number(params.get("DurationSeconds") ?? 3600);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43200) {
    throw validation(
      `Value '${params.get("DurationSeconds")}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  }
  return { roleArn, roleSessionName, durationSeconds, account: role[1] ?? "", roleName: role[2] ?? "" };
}

function issue(
  ctx: Context,
  action: AssumedRole["action"],
  params: URLSearchParams,
  extra: { callerAccessKeyId?: string; webIdentityToken?: string },
): { result: Record<string, unknown>; record: AssumedRole } {
  const a = assumptionParams(params);
  const externalId = params.get("ExternalId") ?? undefined;
  const assumedRoleArn = `arn:aws:sts::${a.account}:assumed-role/${a.roleName}/${a.roleSessionName}`;
  const key = ctx.keys.issueTemporary(assumedRoleArn, a.durationSeconds);
  const record: AssumedRole = {
    action,
    roleArn: a.roleArn,
    roleSessionName: a.roleSessionName,
    durationSeconds: a.durationSeconds,
    ...(externalId !== undefined ? { externalId } : {}),
    hasWebIdentityToken: extra.webIdentityToken !== undefined,
    accessKeyId: key.accessKeyId,
    ...(extra.callerAccessKeyId ? { callerAccessKeyId: extra.callerAccessKeyId } : {}),
  };
  // Not enumerable: tests can read it, but printing or serialising the record never shows it.
  Object.defineProperty(record, "webIdentityToken", { value: extra.webIdentityToken, enumerable: false });
  return {
    record,
    result: {
      Credentials: {
        AccessKeyId: key.accessKeyId,
        SecretAccessKey: key.secretAccessKey,
        SessionToken: key.sessionToken,
        Expiration: key.expiresAt?.toISOString(),
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROA${generateKeyPair("AKIA").accessKeyId.slice(4)}:${a.roleSessionName}`,
        Arn: assumedRoleArn,
      },
    },
  };
}

type Action = (
  ctx: Context,
  params: URLSearchParams,
  verify: () => Promise<SigningKey>,
) => Promise<Record<string, unknown>>;

const actions: Record<string, Action> = {
  async AssumeRole(ctx, params, verify) {
    const caller = await verify();
    const { result, record } = issue(ctx, "AssumeRole", params, { callerAccessKeyId: caller.accessKeyId });
    ctx.assumedRoles.push(record);
    return result;
  },

  // Unsigned, as on AWS: the web identity token is the credential (accepted without verification here).
  async AssumeRoleWithWebIdentity(ctx, params) {
    const token = params.get("WebIdentityToken");
    if (!token) {
      throw validation(
        "Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null",
      );
    }
    const { result, record } = issue(ctx, "AssumeRoleWithWebIdentity", params, { webIdentityToken: token });
    ctx.assumedRoles.push(record);
    const claims = jwtClaims(token);
    return {
      SubjectFromWebIdentityToken: claims.sub,
      Audience: claims.aud,
      Provider: params.get("ProviderId") ?? claims.iss,
      ...result,
    };
  },

  async GetCallerIdentity(_ctx, _params, verify) {
    const caller = await verify();
    return {
      UserId: caller.accessKeyId,
      Account: caller.principalArn.split(":")[4],
      Arn: caller.principalArn,
    };
  },
};

/** STS in the AWS query protocol: a form-encoded `POST /` naming its Action; answers in XML. */
export async function handleSts(ctx: Context, request: SignedRequest, res: ServerResponse): Promise<void> {
  const requestId = newRequestId();
  const params = new URLSearchParams(Buffer.from(request.body).toString("utf8"));
  const action = params.get("Action") ?? "";
  const call: RecordedCall = { service: "sts", operation: action, status: 200 };
  const verify = () => authenticate(ctx, request, call);
  const headers = { "Content-Type": "text/xml", "x-amzn-RequestId": requestId };
  const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
  try {
    const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!run)
      throw new ServiceError("InvalidAction", `Could not find operation ${action} for version 2011-06-15`);
    const result = await run(ctx, params, verify);
    send(
      res,
      200,
      headers,
      `<${action}Response xmlns="${XMLNS}"><${action}Result>${elements(result)}</${action}Result>${metadata}</${action}Response>`,
    );
  } catch (error) {
    const failure = toServiceError(error, "InternalFailure", ctx.log);
    const [code, status] = STS_AUTH_ERRORS[failure.code] ?? [failure.code, failure.status];
    call.status = status;
    call.errorCode = code;
    const type = status >= 500 ? "Receiver" : "Sender";
    send(
      res,
      status,
      headers,
      `<ErrorResponse xmlns="${XMLNS}">${elements({ Error: { Type: type, Code: code, Message: failure.message } })}<RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  } finally {
    ctx.calls.push(call);
  }
}
