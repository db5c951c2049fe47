import type { PodIdentityOptions } from "./pod-identity/handler.js";
import type { PublicRegistry } from "./public/state.js";
import type { RateLimiter } from "./rate-limits.js";
import type { RegistryPasswords } from "./registry/passwords.js";
import type { KeyStore, SigningKey } from "./sigv4/keys.js";
import { type SignedRequest, verifySigV4 } from "./sigv4/verify.js";
import type { Store } from "./store/store.js";

/** One control-plane or STS request as the endpoint answered it. */
export interface RecordedCall {
  service: "ecr" | "ecr-public" | "sts";
  operation: string;
  /** The signing key, when the request was signed by a known key. */
  accessKeyId?: string;
  status: number;
  /** The error code, when it failed. */
  errorCode?: string;
}

/** One STS role assumption. The web identity token is kept but not enumerable, so it is never printed. */
export interface AssumedRole {
  /** AssumeRoleForPodIdentity: credentials the EKS Pod Identity agent endpoint served. */
  action: "AssumeRole" | "AssumeRoleWithWebIdentity" | "AssumeRoleForPodIdentity";
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  externalId?: string;
  hasWebIdentityToken: boolean;
  readonly webIdentityToken?: string;
  /** The temporary key issued. */
  accessKeyId: string;
  /** The key that signed an AssumeRole. */
  callerAccessKeyId?: string;
}

export interface RegistryStats {
  /** Blob bytes received, through the registry (`/v2/` uploads) and UploadLayerPart alike. */
  blobBytesReceived: number;
  blobBytesSent: number;
  /** Blobs stored by an upload: a completed `/v2/` upload or a CompleteLayerUpload. */
  blobsUploaded: number;
  /** Blobs added to a repository by a cross-repository mount (no bytes sent). */
  blobsMounted: number;
  manifestsPut: number;
  /** UploadLayerPart calls accepted (an idempotent re-send of the last part included). */
  layerPartsReceived: number;
  /** The bytes of those parts (also counted in blobBytesReceived). */
  layerPartBytesReceived: number;
  /**
   * Requests answered as throttled, by ECR operation: control-plane calls (ThrottlingException, from
   * throttleNext or a rate limit; also in `calls`) and registry requests (429 TOOMANYREQUESTS).
   */
  throttled: Record<string, number>;
  /**
   * Authorized registry (`/v2/<repo>/...`) requests by the ECR operation each one is (PutImage for a
   * manifest PUT...), throttled and failed ones included.
   */
  dataPlaneCalls: Record<string, number>;
}

/** What the request handlers share. */
export interface Context {
  accountId: string;
  region: string;
  /** `127.0.0.1:PORT` unless announced otherwise: the registry host of every repository URI. */
  registryHost: string;
  endpoint: string;
  /** GetAuthorizationToken's proxyEndpoint: `endpoint` unless another registry host is announced. */
  proxyEndpoint: string;
  /** The EKS Pod Identity agent endpoint, when served. */
  podIdentity?: PodIdentityOptions;
  tokenTtlSeconds: number;
  keys: KeyStore;
  passwords: RegistryPasswords;
  store: Store;
  calls: RecordedCall[];
  assumedRoles: AssumedRole[];
  stats: RegistryStats;
  /** Control-plane calls still to be answered with a ThrottlingException before any is served. */
  throttle: { remaining: number };
  /** Per-operation rates, shared by the control plane and the registry requests that are the same operation. */
  rateLimits: RateLimiter;
  /** Registry settings of PutAccountSetting (BLOB_MOUNTING: ENABLED turns on cross-repository mounts). */
  accountSettings: Record<string, string>;
  /** ECR Public: its API (SigV4 service `ecr-public`), repositories and registry on `localhost:PORT`. */
  ecrPublic: PublicRegistry;
  log: (message: string) => void;
}

export { randomUUID as newRequestId } from "node:crypto";

/** Verifies a signed API request against the endpoint's keys and notes the key on the call record. */
export async function authenticate(
  ctx: Context,
  request: SignedRequest,
  call: RecordedCall,
  region?: string,
): Promise<SigningKey> {
  const key = await verifySigV4(request, {
    service: call.service,
    region,
    lookup: (id) => ctx.keys.lookup(id),
  });
  call.accessKeyId = key.accessKeyId;
  return key;
}

/** Counts one more of `key` in a by-operation counter. */
export function countIn(counter: Record<string, number>, key: string): void {
  counter[key] = (Object.hasOwn(counter, key) ? (counter[key] ?? 0) : 0) + 1;
}
