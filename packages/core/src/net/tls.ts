import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { PushFailedError } from "../errors/index.js";
import type { NetEnv } from "./proxy.js";

export const TlsErrorCodes = {
  caBundleUnreadable: "CaBundleUnreadable",
  certificateRejected: "CertificateRejected",
} as const;

/**
 * The certificate authorities to trust when AWS_CA_BUNDLE names a PEM file (the AWS convention,
 * read for both the AWS API and the registry): Node's own roots, NODE_EXTRA_CA_CERTS and the
 * bundle. Undefined without AWS_CA_BUNDLE, so Node's defaults (NODE_EXTRA_CA_CERTS included) apply.
 */
export function trustedCertificates(env: NetEnv): string[] | undefined {
  const bundle = env.AWS_CA_BUNDLE;
  if (!bundle) return undefined;
  const extra = env.NODE_EXTRA_CA_CERTS;
  return [
    ...rootCertificates,
    ...(extra ? [readPem(extra, "NODE_EXTRA_CA_CERTS")] : []),
    readPem(bundle, "AWS_CA_BUNDLE"),
  ];
}

function readPem(file: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new PushFailedError(
      TlsErrorCodes.caBundleUnreadable,
      `Could not read the certificate bundle ${variable}="${file}" (${code}): point ${variable} at a readable PEM file or unset it.`,
      { cause: error },
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new PushFailedError(
      TlsErrorCodes.caBundleUnreadable,
      `The certificate bundle ${variable}="${file}" holds no PEM certificate: point ${variable} at a PEM file of CA certificates or unset it.`,
    );
  }
  return text;
}

/** Why a certificate was refused, per OpenSSL/Node error code. */
const CERTIFICATE_PROBLEMS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "is signed by an unknown certificate authority",
  UNABLE_TO_GET_ISSUER_CERT: "is signed by an unknown certificate authority",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "is signed by an unknown certificate authority",
  SELF_SIGNED_CERT_IN_CHAIN: "is signed by an untrusted self-signed certificate authority",
  DEPTH_ZERO_SELF_SIGNED_CERT: "is self-signed",
  CERT_UNTRUSTED: "is not trusted",
  INVALID_CA: "is signed by an invalid certificate authority",
  CERT_SIGNATURE_FAILURE: "has an invalid signature",
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: "has an invalid signature",
  CERT_HAS_EXPIRED: "has expired",
  CERT_NOT_YET_VALID: "is not valid yet",
  CERT_REVOKED: "has been revoked",
  ERR_TLS_CERT_ALTNAME_INVALID: "does not match the host name",
};

interface ErrorShape {
  code?: string;
  errors?: unknown[];
  cause?: unknown;
}

/** The TLS certificate error code of a failed connection (also nested in an AggregateError or cause). */
export function tlsErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const e = queue.shift() as ErrorShape | undefined;
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    if (e.code && e.code in CERTIFICATE_PROBLEMS) return e.code;
    queue.push(...(e.errors ?? []), e.cause);
  }
  return undefined;
}

/**
 * One sentence for a certificate the client refused, naming the host and the fix; undefined when
 * the error is not about a certificate.
 */
export function tlsFailure(error: unknown, host: string): PushFailedError | undefined {
  const code = tlsErrorCode(error);
  if (!code) return undefined;
  const problem = CERTIFICATE_PROBLEMS[code];
  const fix =
    code === "ERR_TLS_CERT_ALTNAME_INVALID"
      ? "check the host name, and that no proxy intercepts the connection"
      : code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID"
        ? "check the system clock, then renew the certificate"
        : "if a private CA or an intercepting proxy signs it, set AWS_CA_BUNDLE to a PEM file holding that CA's certificate";
  return new PushFailedError(
    TlsErrorCodes.certificateRejected,
    `The TLS certificate of ${host} ${problem} (${code}): ${fix}.`,
    { cause: error },
  );
}
