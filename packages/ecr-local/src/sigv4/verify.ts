import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { ServiceError } from "../errors.js";
import type { SigningKey } from "./keys.js";

/** What the verifier needs of a request: everything as it arrived on the wire. */
export interface SignedRequest {
  method: string;
  /** Path and query exactly as sent (`req.url`). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

export interface VerifyOptions {
  /** Signing name the credential scope must name (`ecr`, `sts`). */
  service: string;
  /** When set, the credential scope must name this region. */
  region?: string;
  lookup: (accessKeyId: string) => SigningKey | undefined;
  now?: Date;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

class Sha256 extends Hash {
  constructor(secret?: Parameters<Hash["update"]>[0]) {
    super("sha256", secret);
  }
}

const invalidSignature = (message: string) => new ServiceError("InvalidSignatureException", message);
const mismatch = () =>
  invalidSignature(
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  );
const invalidToken = () =>
  new ServiceError("UnrecognizedClientException", "The security token included in the request is invalid.");

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string): ParsedAuthorization {
  const [algorithm, ...rest] = header.trim().split(/\s+/);
  if (algorithm !== "AWS4-HMAC-SHA256") {
    throw new ServiceError(
      "IncompleteSignatureException",
      `Unsupported authorization algorithm '${algorithm}'.`,
    );
  }
  const fields = new Map(
    rest
      .join("")
      .split(",")
      .map((part) => {
        const at = part.indexOf("=");
        return [part.slice(0, at), part.slice(at + 1)] as const;
      }),
  );
  const scope = (fields.get("Credential") ?? "").split("/");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  const [accessKeyId, date, region, service, terminator] = scope;
  if (!accessKeyId || !date || !region || !service || terminator !== "aws4_request" || scope.length !== 5) {
    throw new ServiceError(
      "IncompleteSignatureException",
      "Authorization header has a malformed 'Credential'.",
    );
  }
  if (!signedHeaders || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
    throw new ServiceError(
      "IncompleteSignatureException",
      "Authorization header requires 'SignedHeaders' and 'Signature' parameters.",
    );
  }
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(";"), signature };
}

function parseAmzDate(value: string | undefined): Date {
  const m = value?.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  if (!m)
    throw new ServiceError("IncompleteSignatureException", "X-Amz-Date header is missing or malformed.");
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s));
}

const amzDate = (date: Date) => date.toISOString().replace(/[-:]|\.\d{3}/g, "");

function checkClock(date: Date, now: Date, raw: string): void {
  const skew = date.getTime() - now.getTime();
  if (Math.abs(skew) <= MAX_SKEW_MS) return;
  const limit = new Date(now.getTime() + Math.sign(skew) * MAX_SKEW_MS);
  throw invalidSignature(
    skew < 0
      ? `Signature expired: ${raw} is now earlier than ${amzDate(limit)} (${amzDate(now)} - 15 min.)`
      : `Signature not yet current: ${raw} is still later than ${amzDate(limit)} (${amzDate(now)} + 15 min.)`,
  );
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkKey(key: SigningKey | undefined, token: string | undefined, now: Date): SigningKey {
  if (!key) throw invalidToken();
  // Temporary credentials are only valid with their own session token; long-term keys with none.
  if ((key.sessionToken ?? "") !== "" || token !== undefined) {
    if (token === undefined || !key.sessionToken || !sameText(token, key.sessionToken)) throw invalidToken();
  }
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) {
    throw new ServiceError("ExpiredTokenException", "The security token included in the request is expired");
  }
  return key;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * Verifies an AWS Signature Version 4 `Authorization` header by signing the same request again
 * (only the headers the client signed, the exact path, query and body) with the key's secret.
 */
export async function verifySigV4(request: SignedRequest, options: VerifyOptions): Promise<SigningKey> {
  const now = options.now ?? new Date();
  const authorization = header(request.headers, "authorization");
  if (!authorization)
    throw new ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", 403);
  const auth = parseAuthorization(authorization);
  const rawDate = header(request.headers, "x-amz-date");
  const signingDate = parseAmzDate(rawDate);
  checkClock(signingDate, now, rawDate ?? "");
  if (!rawDate?.startsWith(auth.date)) {
    throw invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${rawDate?.slice(0, 8)}'`,
    );
  }
  if (auth.service !== options.service) {
    throw invalidSignature(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (options.region && auth.region !== options.region) {
    throw invalidSignature(`Credential should be scoped to a valid region, not '${auth.region}'.`);
  }
  const key = checkKey(
    options.lookup(auth.accessKeyId),
    header(request.headers, "x-amz-security-token"),
    now,
  );

  const bodyHash = header(request.headers, "x-amz-content-sha256");
  if (bodyHash && bodyHash !== "UNSIGNED-PAYLOAD") {
    if (bodyHash !== createHash("sha256").update(request.body).digest("hex")) throw mismatch();
  }
  const signed: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) throw invalidSignature(`Signed header '${name}' is missing from the request.`);
    signed[name] = value;
  }
  if (signed.host === undefined) throw invalidSignature("'Host' must be a signed header.");

  const queryAt = request.url.indexOf("?");
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(queryAt < 0 ? "" : request.url.slice(queryAt + 1))) {
    const prior = query[k];
    query[k] = prior === undefined ? v : [...(Array.isArray(prior) ? prior : [prior]), v];
  }
  let path = rawPath;
  try {
    // The signer escapes the path itself, as the client did before sending it.
    path = decodeURIComponent(rawPath);
  } catch {
    throw mismatch();
  }
  const rebuilt = new HttpRequest({
    method: request.method,
    protocol: "http:",
    hostname: signed.host,
    path,
    query,
    headers: signed,
    body: request.body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const resigned = await signer.sign(rebuilt, {
    signingDate,
    signingRegion: auth.region,
    signingService: auth.service,
    signableHeaders: new Set(auth.signedHeaders),
  });
  const expected = String(resigned.headers.authorization ?? "").match(/Signature=([0-9a-f]{64})/)?.[1] ?? "";
  if (!sameText(expected, auth.signature)) throw mismatch();
  return key;
}
