import { PushFailedError } from "../errors/index.js";
import { tlsFailure } from "../net/index.js";
import type { HttpResponse } from "./http.js";

export const RegistryErrorCodes = {
  authFailed: "RegistryAuthFailed",
  repositoryNotFound: "RepositoryNotFound",
  tagImmutable: "ImageTagAlreadyExists",
  manifestRejected: "ManifestRejected",
  blobRejected: "BlobRejected",
  unreachable: "RegistryUnreachable",
  requestFailed: "RegistryRequestFailed",
  sourceUnreadable: "SourceUnreadable",
  digestMismatch: "RegistryDigestMismatch",
} as const;

/** A status the client did not expect, with the registry's own error code and message. */
export class RegistryStatusError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** What a Retry-After header asked for, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}${code ? ` ${code}` : ""}${detail ? `: ${detail}` : ""}`);
  }

  /** A registry's transient trouble: 5xx, 429 (too many requests), 408 (request timeout). */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/**
 * A failed call of ECR's layer API (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload),
 * worded like a registry answer so that one set of rules decides what is retried: throttling as
 * 429, a server fault as its 5xx, anything else as the 4xx it came with.
 */
export class LayerApiError extends RegistryStatusError {
  constructor(
    status: number,
    code: string,
    detail: string,
    /** An InvalidLayerPartException's last byte the upload holds (-1: none). */
    readonly lastValidByteReceived?: number,
  ) {
    super(status, code, detail);
  }
}

export function statusError(response: HttpResponse): RegistryStatusError {
  let code = "";
  let detail = "";
  try {
    const first = (
      JSON.parse(response.body.toString("utf8")) as { errors?: { code?: string; message?: string }[] }
    ).errors?.[0];
    code = first?.code ?? "";
    detail = first?.message ?? "";
  } catch {
    detail = response.body.toString("utf8").split("\n")[0]?.slice(0, 200) ?? "";
  }
  return new RegistryStatusError(
    response.status,
    code,
    detail.replace(/\.$/, ""),
    retryAfterMs(response.headers["retry-after"]),
  );
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * The registry refused the credentials themselves (401), or said they expired (ECR answers 403
 * DENIED "Your authorization token has expired"): fresh credentials may get through. A 403 for a
 * missing permission is not this, and is never retried.
 */
export function isAuthRefusal(error: unknown): boolean {
  if (!(error instanceof RegistryStatusError)) return false;
  return error.status === 401 || (error.status === 403 && /expired/i.test(error.detail));
}

const TRANSIENT = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
]);

/** Worth another attempt: the network or the registry hiccuped; never a 4xx. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RegistryStatusError) return error.retryable;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    (code !== undefined && TRANSIENT.has(code)) || /socket hang up/i.test((error as Error)?.message ?? "")
  );
}

/** The registry no longer knows an upload session (expired, or lost by the registry). */
export function isUploadUnknown(error: unknown): boolean {
  return error instanceof RegistryStatusError && error.code === "BLOB_UPLOAD_UNKNOWN";
}

/** A failure's cause in a word or two, for the tally of retries: `ECONNRESET`, `HTTP 503`. */
export function retryCause(error: unknown): string {
  if (error instanceof RegistryStatusError) return `HTTP ${error.status}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code) return code;
  return /socket hang up/i.test((error as Error)?.message ?? "") ? "connection closed" : "other";
}

export interface FailureContext {
  registry: string;
  repository: string;
  /** What was being done, e.g. `uploading blob sha256:...` or `putting manifest latest`. */
  action: string;
  attempts: number;
  tag?: string;
}

/** The one sentence for a registry failure. */
export function registryFailure(error: unknown, ctx: FailureContext): PushFailedError {
  const { registry, repository } = ctx;
  const certificate = tlsFailure(error, registry);
  if (certificate) return certificate;
  if (!(error instanceof RegistryStatusError) && !isRetryable(error)) {
    const why = (error as Error)?.message ?? String(error);
    return new PushFailedError(
      RegistryErrorCodes.sourceUnreadable,
      `Reading the image source failed while ${ctx.action} (${why}): check that the source is complete and unchanged, then push again.`,
      { cause: error },
    );
  }
  if (!(error instanceof RegistryStatusError)) {
    const code =
      (error as NodeJS.ErrnoException | undefined)?.code ?? (error as Error)?.message ?? String(error);
    return new PushFailedError(
      RegistryErrorCodes.unreachable,
      `Could not reach the registry ${registry} while ${ctx.action} (${code}) after ${ctx.attempts} attempt${ctx.attempts === 1 ? "" : "s"}: check the network and proxy settings, then push again.`,
      { cause: error },
    );
  }
  const detail = error.detail || error.code || `HTTP ${error.status}`;
  const fail = (code: string, message: string) => new PushFailedError(code, message, { cause: error });
  if (error.status === 401 || error.code === "UNAUTHORIZED" || error.code === "DENIED") {
    return fail(
      RegistryErrorCodes.authFailed,
      `The registry ${registry} refused the push to ${repository} (${detail}): check that the credentials may push to this repository and have not expired.`,
    );
  }
  if (error.code === "NAME_UNKNOWN") {
    return fail(
      RegistryErrorCodes.repositoryNotFound,
      `The repository ${repository} does not exist in the registry ${registry}: create it first or enable repository creation.`,
    );
  }
  if (error.code === "TAG_INVALID" || /immutable|cannot be overwritten/i.test(error.detail)) {
    return fail(
      RegistryErrorCodes.tagImmutable,
      `The tag ${ctx.tag ?? ""} already exists in ${repository} and the repository's tags are immutable: push a new tag or make the repository's tags mutable.`,
    );
  }
  if (error.code.startsWith("MANIFEST_") || (error.status === 400 && ctx.action.startsWith("putting"))) {
    return fail(
      RegistryErrorCodes.manifestRejected,
      `The registry ${registry} rejected the manifest while ${ctx.action} (${detail}): check that the repository accepts this image type.`,
    );
  }
  if (error.code === "DIGEST_INVALID" || error.code === "SIZE_INVALID" || error.code.startsWith("BLOB_")) {
    return fail(
      RegistryErrorCodes.blobRejected,
      `The registry ${registry} rejected the data while ${ctx.action} (${detail}): the source may have changed or be corrupt, so recreate it and push again.`,
    );
  }
  return fail(
    RegistryErrorCodes.requestFailed,
    `The registry ${registry} failed while ${ctx.action} (${detail}) after ${ctx.attempts} attempt${ctx.attempts === 1 ? "" : "s"}: push again later, or check the registry's status.`,
  );
}

/** What was sent and what the registry says it stored, for the one sentence about a changed digest. */
export interface DigestMismatch {
  registry: string;
  repository: string;
  /** `blob` for a committed upload, `manifest` for a manifest PUT. */
  kind: "blob" | "manifest";
  /** The digest of the bytes sent. */
  sent: string;
  /** The Docker-Content-Digest the registry answered with. */
  reported: string;
  /** The tag a manifest was PUT under; none for a blob or a manifest PUT by digest. */
  tag?: string;
}

/**
 * The registry answered a write with a Docker-Content-Digest other than the digest of the bytes
 * sent: something between here and the registry (or the registry itself) changed the data. A blob
 * is never tagged, so nothing visible moved; a manifest PUT under a tag may already have moved it.
 */
export function digestMismatch(m: DigestMismatch): PushFailedError {
  const fix = "check for a proxy or gateway that rewrites registry traffic, then push again";
  const message =
    m.kind === "blob"
      ? `The registry ${m.registry} answered the upload of blob ${m.sent} to ${m.repository} with digest ${m.reported}: the data changed on the way, so nothing was tagged; ${fix}.`
      : m.tag
        ? `The registry ${m.registry} answered the manifest ${m.sent} put to ${m.repository}:${m.tag} with digest ${m.reported}: the manifest changed on the way or in the registry, and the tag ${m.tag} may already point at what the registry stored; ${fix}.`
        : `The registry ${m.registry} answered the manifest ${m.sent} put to ${m.repository} with digest ${m.reported}: the manifest changed on the way or in the registry, so nothing was tagged; ${fix}.`;
  return new PushFailedError(RegistryErrorCodes.digestMismatch, message);
}
