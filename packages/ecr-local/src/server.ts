import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AssumedRole, Context, RecordedCall, RegistryStats } from "./context.js";
import { handleControlPlane } from "./control-plane/handler.js";
import { MAX_PART_BYTES } from "./control-plane/layers.js";
import { toServiceError } from "./errors.js";
import { readBody, send } from "./http.js";
import { handlePodIdentity, POD_IDENTITY_PATH, type PodIdentityOptions } from "./pod-identity/handler.js";
import { handlePublicControlPlane, PUBLIC_TARGET_PREFIX } from "./public/control-plane.js";
import type { CatalogData } from "./public/state.js";
import { handlePublicToken } from "./public/token.js";
import { RateLimiter } from "./rate-limits.js";
import { handleRegistry } from "./registry/handler.js";
import { RegistryPasswords } from "./registry/passwords.js";
import { generateKeyPair, KeyStore } from "./sigv4/keys.js";
import type { RepositorySettings } from "./store/store.js";
import { Store } from "./store/store.js";
import { handleSts } from "./sts/handler.js";
import { isAccountId } from "./validation.js";

export interface LocalEcrOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where blobs, manifests and state live; a fresh temporary directory (removed on close) by default. */
  dataDir?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** 12 digits; default 123456789012. */
  accountId?: string;
  /** Default us-east-1. */
  region?: string;
  /** Lifetime of GetAuthorizationToken passwords; default 12 hours. */
  tokenTtlSeconds?: number;
  /** Where AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are read when no key pair is given. */
  env?: NodeJS.ProcessEnv;
  /** Receives internal errors; nothing is logged without it. */
  log?: (message: string) => void;
  /** Answer the first `firstCalls` ECR control-plane calls with a ThrottlingException (see throttleNext). */
  throttle?: { firstCalls: number };
  /**
   * Calls per second allowed by ECR operation name (such as ECR's own PutImage: 10), for the
   * account; over it, a control-plane call is answered with a ThrottlingException and a registry
   * request that is the same operation (a manifest PUT is PutImage...) with 429 TOOMANYREQUESTS.
   * A token bucket per operation, with a burst of one second's calls. None by default.
   */
  rateLimits?: Record<string, number>;
  /** The clock of rate limits and image times (pushes, archives, restores), in ms; Date.now by default. */
  clock?: () => number;
  /**
   * The registry host GetAuthorizationToken's proxyEndpoint (`https://HOST`) and repository URIs
   * name instead of 127.0.0.1:PORT, such as ECR's own `123456789012.dkr.ecr.us-east-1.amazonaws.com`:
   * for tests of what a client makes of ECR's hosts. The registry is still served on the loopback
   * port only, so a client can reach it there only through a proxy. See also announceRegistryHost.
   */
  registryHost?: string;
  /** Serve the EKS Pod Identity agent endpoint, GET /v1/credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI). */
  podIdentity?: PodIdentityOptions;
  /**
   * How long a restore of an archived image (UpdateImageStorageClass to STANDARD) stays ACTIVATING
   * before the image is ACTIVE again; 0 (the default) completes it by the next request. ECR's
   * restores take minutes to hours; tests of a restore in progress set a longer delay.
   */
  restoreDelayMs?: number;
  /**
   * The alias ECR Public assigns the account's public registry with its first repository; default
   * `ecr-local`. Public repository URIs are `localhost:PORT/ALIAS/NAME`.
   */
  publicRegistryAlias?: string;
}

/** An ECR Public repository as a test sees it: its URI, catalog data, resource tags and image tags. */
export interface PublicRepositoryInfo {
  name: string;
  uri: string;
  catalogData: CatalogData;
  tags: { Key: string; Value: string }[];
  /** Image tag -> manifest digest. */
  imageTags: Record<string, string>;
}

/** A repository as a test sees it: its settings, resource tags and image tags. */
export interface RepositoryInfo extends RepositorySettings {
  name: string;
  arn: string;
  uri: string;
  createdAt: Date;
  /** Image tag -> manifest digest. */
  imageTags: Record<string, string>;
  imageDigests: string[];
  /** As PutLifecyclePolicy and SetRepositoryPolicy last set them. */
  lifecyclePolicyText?: string;
  repositoryPolicyText?: string;
}

export interface LocalEcr {
  /** `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL_ECR and AWS_ENDPOINT_URL_STS. */
  readonly endpoint: string;
  /** `127.0.0.1:PORT`, the registry host of repository URIs. */
  readonly registry: string;
  /**
   * `localhost:PORT`: the host of ECR Public repository URIs, standing for `public.ecr.aws` (the
   * same port; requests naming this host reach the public registry). The ECR Public API is at
   * `endpoint` (AWS_ENDPOINT_URL_ECR_PUBLIC).
   */
  readonly publicRegistry: string;
  /** The alias of the public registry (assigned with its first repository). */
  readonly publicRegistryAlias: string;
  /** An ECR Public repository by name (without the alias). */
  publicRepository(name: string): PublicRepositoryInfo | undefined;
  readonly accountId: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** True when the key pair was generated (neither given nor found in `env`). */
  readonly generatedCredentials: boolean;
  readonly dataDir: string;
  /** One JSON line announcing the endpoint; carries the key pair only when it was generated. */
  readyLine(): string;
  /** Every control-plane and STS request answered, in order. */
  readonly calls: readonly RecordedCall[];
  readonly assumedRoles: readonly AssumedRole[];
  readonly stats: Readonly<RegistryStats>;
  repository(name: string): RepositoryInfo | undefined;
  /** Answers the next `calls` ECR control-plane calls (signed ones, any operation) with a ThrottlingException. */
  throttleNext(calls: number): void;
  /** Replaces the rate limits (see LocalEcrOptions.rateLimits); `{}` clears them. */
  setRateLimits(limits: Record<string, number>): void;
  /** Sets how long a restore stays ACTIVATING (see LocalEcrOptions.restoreDelayMs). */
  setRestoreDelay(ms: number): void;
  /**
   * From now on, names `host` as the registry host (LocalEcrOptions.registryHost); undefined goes
   * back to 127.0.0.1:PORT.
   */
  announceRegistryHost(host: string | undefined): void;
  /** `http://127.0.0.1:PORT/v1/credentials`, for AWS_CONTAINER_CREDENTIALS_FULL_URI (with LocalEcrOptions.podIdentity). */
  readonly podIdentityUri: string;
  /**
   * Temporary credentials of the endpoint's own account that expire `seconds` from now (0 or less:
   * already expired), as STS would have issued them: for tests of expiry.
   */
  issueTemporaryCredentials(seconds: number): {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
  };
  /** Stops serving, drops open connections and uploads; idempotent. */
  close(): Promise<void>;
}

// Room for an UploadLayerPart of twice the largest part ECR takes, base64 (4/3) in JSON, so that a
// part too large is answered with ECR's InvalidLayerPartException rather than cut off.
const MAX_API_BODY = Math.ceil((2 * MAX_PART_BYTES * 4) / 3) + 64 * 1024;

function keyPair(options: LocalEcrOptions): {
  accessKeyId: string;
  secretAccessKey: string;
  generated: boolean;
} {
  const env = options.env ?? {};
  const accessKeyId = options.accessKeyId ?? (options.secretAccessKey ? undefined : env.AWS_ACCESS_KEY_ID);
  const secretAccessKey =
    options.secretAccessKey ?? (options.accessKeyId ? undefined : env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, generated: false };
  if (options.accessKeyId || options.secretAccessKey) {
    throw new Error("startLocalEcr: accessKeyId and secretAccessKey must be given together");
  }
  return { ...generateKeyPair("AKIA"), generated: true };
}

async function route(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const pathname = (req.url ?? "/").split("?")[0];
    // The host a request names picks the registry: localhost:PORT is ECR Public's, as public.ecr.aws.
    const publicHost = req.headers.host?.toLowerCase() === ctx.ecrPublic.host;
    if (pathname === "/v2" || pathname?.startsWith("/v2/"))
      return await handleRegistry(ctx, req, res, publicHost ? "public" : "private");
    if (req.method === "GET" && (pathname === "/token" || pathname === "/token/")) {
      return handlePublicToken(ctx, req, res);
    }
    if (pathname === POD_IDENTITY_PATH) return handlePodIdentity(ctx, req, res);
    // The registry counters, for benches and tests that run the endpoint in another process
    // (`ecr-push local`). Counts only: nothing here needs a key.
    if (req.method === "GET" && pathname === "/_ecr-local/stats") {
      req.resume();
      return send(res, 200, { "Content-Type": "application/json" }, JSON.stringify(ctx.stats));
    }
    if (req.method === "POST" && pathname === "/") {
      const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
      const request = {
        method: "POST",
        url: req.url ?? "/",
        headers: req.headers,
        body: await readBody(req, MAX_API_BODY),
      };
      // STS speaks the query protocol (form bodies); everything else at `POST /` is the ECR JSON API.
      if (type === "application/x-www-form-urlencoded") return await handleSts(ctx, request, res);
      if (String(req.headers["x-amz-target"] ?? "").startsWith(PUBLIC_TARGET_PREFIX)) {
        return await handlePublicControlPlane(ctx, request, res);
      }
      return await handleControlPlane(ctx, request, res);
    }
    req.resume();
    send(res, 404, { "Content-Type": "text/plain" }, "Not Found");
  } catch (error) {
    const failure = toServiceError(error, "ServerException", ctx.log);
    req.resume();
    send(
      res,
      failure.status,
      { "Content-Type": "application/json" },
      JSON.stringify({ __type: failure.code, message: failure.message }),
    );
  }
}

/** Starts the local ECR endpoint (control plane, STS and registry) on one loopback port. */
export async function startLocalEcr(options: LocalEcrOptions = {}): Promise<LocalEcr> {
  const accountId = options.accountId ?? "123456789012";
  if (!isAccountId(accountId))
    throw new Error(`startLocalEcr: accountId must be 12 digits, got '${accountId}'`);
  const region = options.region ?? "us-east-1";
  const keys = keyPair(options);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "ecr-local-"));
  mkdirSync(dataDir, { recursive: true });

  const rateLimits = new RateLimiter(options.clock);
  rateLimits.set(options.rateLimits ?? {});

  let ctx: Context | undefined;
  const server = createServer((req, res) => {
    if (ctx) void route(ctx, req, res);
    else res.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const registry = `127.0.0.1:${port}`;
  const publicRegistry = `localhost:${port}`;
  const publicRegistryAlias = options.publicRegistryAlias ?? "ecr-local";
  if (!/^[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(publicRegistryAlias) || publicRegistryAlias.length > 50) {
    server.close();
    throw new Error(`startLocalEcr: publicRegistryAlias '${publicRegistryAlias}' is not an ECR Public alias`);
  }
  const endpoint = `http://${registry}`;
  const context: Context = {
    accountId,
    region,
    registryHost: options.registryHost ?? registry,
    endpoint,
    proxyEndpoint: options.registryHost ? `https://${options.registryHost}` : endpoint,
    ...(options.podIdentity ? { podIdentity: options.podIdentity } : {}),
    tokenTtlSeconds: options.tokenTtlSeconds ?? 12 * 60 * 60,
    keys: new KeyStore({
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      principalArn: `arn:aws:iam::${accountId}:user/ecr-local`,
    }),
    passwords: new RegistryPasswords(),
    store: Object.assign(new Store(dataDir, accountId, options.clock), {
      restoreDelayMs: options.restoreDelayMs ?? 0,
    }),
    calls: [],
    assumedRoles: [],
    stats: {
      blobBytesReceived: 0,
      blobBytesSent: 0,
      blobsUploaded: 0,
      blobsMounted: 0,
      manifestsPut: 0,
      layerPartsReceived: 0,
      layerPartBytesReceived: 0,
      throttled: {},
      dataPlaneCalls: {},
    },
    throttle: { remaining: options.throttle?.firstCalls ?? 0 },
    rateLimits,
    // ECR's defaults; BLOB_MOUNTING is off until PutAccountSetting turns it on.
    accountSettings: { BLOB_MOUNTING: "DISABLED", BASIC_SCAN_TYPE_VERSION: "AWS_NATIVE" },
    ecrPublic: {
      alias: publicRegistryAlias,
      aliasAssigned: false,
      host: publicRegistry,
      store: new Store(path.join(dataDir, "public"), accountId),
      catalogs: new Map(),
      passwords: new RegistryPasswords(),
      bearerTokens: new RegistryPasswords(),
      pullTokens: new RegistryPasswords(),
    },
    log: options.log ?? (() => {}),
  };
  // A data directory that already holds public repositories had its alias assigned.
  context.ecrPublic.aliasAssigned = context.ecrPublic.store.list().length > 0;
  ctx = context;

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    registry,
    publicRegistry,
    publicRegistryAlias,
    accountId,
    region,
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    generatedCredentials: keys.generated,
    dataDir,
    readyLine: () =>
      JSON.stringify({
        endpoint,
        registry,
        publicRegistry,
        publicRegistryAlias,
        accountId,
        region,
        ...(keys.generated ? { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } : {}),
      }),
    calls: context.calls,
    assumedRoles: context.assumedRoles,
    stats: context.stats,
    repository(name) {
      const repo = context.store.find(name);
      if (!repo) return undefined;
      const { blobs: _blobs, images, ...settings } = repo;
      return {
        ...structuredClone(settings),
        arn: `arn:aws:ecr:${region}:${accountId}:repository/${name}`,
        uri: `${context.registryHost}/${name}`,
        createdAt: new Date(repo.createdAt),
        imageDigests: Object.keys(images),
      };
    },
    publicRepository(name) {
      const repo = context.ecrPublic.store.find(name);
      if (!repo) return undefined;
      return {
        name,
        uri: `${publicRegistry}/${publicRegistryAlias}/${name}`,
        catalogData: structuredClone(context.ecrPublic.catalogs.get(name) ?? {}),
        tags: structuredClone(repo.tags),
        imageTags: { ...repo.imageTags },
      };
    },
    throttleNext(calls) {
      context.throttle.remaining = calls;
    },
    setRateLimits(limits) {
      context.rateLimits.set(limits);
    },
    announceRegistryHost(host) {
      context.registryHost = host ?? registry;
      context.proxyEndpoint = host ? `https://${host}` : endpoint;
    },
    podIdentityUri: `${endpoint}${POD_IDENTITY_PATH}`,
    setRestoreDelay(ms) {
      context.store.restoreDelayMs = ms;
    },
    issueTemporaryCredentials(seconds) {
      const key = context.keys.issueTemporary(`arn:aws:iam::${accountId}:user/ecr-local`, seconds);
      return {
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey,
        sessionToken: key.sessionToken ?? "",
      };
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        context.store.blobs.cancelAll();
        if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
      })();
      return closing;
    },
  };
}
