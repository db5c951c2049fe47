import { createHash } from "node:crypto";
import { type Readable, Transform } from "node:stream";
import { isEcrPushError } from "../errors/index.js";
import { digestIn, MANIFEST_MEDIA_TYPES } from "../oci/index.js";
import type { Clock } from "../ports/index.js";
import {
  backOff,
  DEFAULT_RETRY_POLICY,
  RetryBudget,
  type RetryPolicy,
  RetryTally,
  systemClock,
} from "../retry/index.js";
import { BearerTokens, parseBearerChallenge, repositoryOfUrl } from "./bearer.js";
import {
  digestMismatch,
  type FailureContext,
  isAuthRefusal,
  isRetryable,
  isUploadUnknown,
  RegistryStatusError,
  registryFailure,
  retryCause,
  statusError,
} from "./errors.js";
import { type Agents, createAgents, type HttpRequest, type HttpResponse, send } from "./http.js";
import { LAYER_API_AFTER_BYTES, type LayerPartsApi, uploadInParts } from "./layer-parts.js";
import { openStream } from "./stream.js";

/** Registry credentials, and when they stop working when that is known. */
export interface RegistryCredentials {
  username: string;
  password: string;
  expiresAt?: Date;
}

export interface RegistryClientOptions extends RegistryCredentials {
  /** `host[:port]`; loopback registries are spoken to over plain HTTP, as Docker does. */
  registry: string;
  /**
   * Fetches fresh credentials (already masked): called shortly before `expiresAt`, and once per
   * request refused as unauthenticated or expired. Without it the credentials are used as given.
   */
  refresh?: () => Promise<RegistryCredentials>;
  /**
   * ECR's layer API, for a blob whose PATCH was cut after LAYER_API_AFTER_BYTES: its next attempts
   * go up in parts, each retried alone. Without it every attempt is a PATCH.
   */
  layerParts?: LayerPartsApi;
  /** Parallel connections; the pusher bounds blob uploads itself. */
  maxSockets?: number;
  /** Attempts, back-off and time bound for transient failures (network, 5xx, 429); see RetryPolicy. */
  retry?: Partial<RetryPolicy>;
  /** Attempts per request (overrides `retry.maxAttempts`). */
  attempts?: number;
  /** Cap of the first back-off (overrides `retry.baseDelayMs`). */
  retryDelayMs?: number;
  /** Time and back-off sleeps (cancelled by `signal`); the system clock by default. */
  clock?: Clock;
  /** The jitter's random source (a seam for tests). */
  random?: () => number;
  signal?: AbortSignal;
  debug?: (line: string) => void;
  /** Proxy and CA settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, AWS_CA_BUNDLE); none when absent. */
  env?: Record<string, string | undefined>;
}

export interface UploadedBlob {
  digest: string;
  size: number;
}

export interface FetchedManifest {
  mediaType: string;
  bytes: Buffer;
}

/** How long a DELETE of an abandoned upload session may take: it is a courtesy, not a step. */
const CANCEL_TIMEOUT_MS = 5_000;
/** The same after SIGINT/SIGTERM: the process must end within a second. */
const CANCELLED_TIMEOUT_MS = 300;

/** How long before an ECR token expires it is refreshed (tokens last 12 hours). */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** The Authorization header, or none for an anonymous request. */
function authorizationHeader(value: string): Record<string, string> {
  return value ? { Authorization: value } : {};
}

/** The Docker-Content-Digest a registry answered with, lowercased; undefined when it sent none. */
function reportedDigest(response: HttpResponse): string | undefined {
  const header = response.headers["docker-content-digest"];
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  return value || undefined;
}

/**
 * The OCI distribution API as ECR serves it: Basic auth with the ECR token, HEAD to skip blobs,
 * POST + one streamed PATCH + PUT ?digest= per blob (never several PATCH chunks: ECR mishandles
 * them), and manifests PUT with their exact media type. Each request is retried on its own when
 * that is safe (see uploadBlob for how an upload's three requests are); `retries` tallies them.
 */
export class RegistryClient {
  readonly registry: string;
  readonly #base: URL;
  readonly #agents: Agents;
  readonly #retry: RetryPolicy;
  readonly #signal: AbortSignal | undefined;
  readonly #debug: (line: string) => void;
  readonly #clock: Clock;
  readonly #random: () => number;
  /** Every retry this client made, by cause: the push logs them in one line. */
  readonly retries = new RetryTally();
  readonly #refresh: (() => Promise<RegistryCredentials>) | undefined;
  /** Dropped when the registry refuses it (a role without ecr:UploadLayerPart): PATCH goes on. */
  #layerParts: LayerPartsApi | undefined;
  #auth = "";
  #credentials: RegistryCredentials = { username: "", password: "" };
  readonly #bearer: BearerTokens;
  /** Bumped by every refresh, so requests refused with older credentials do not refresh again. */
  #generation = 0;
  /** When a proactive refresh is due (ms); Infinity when never. */
  #refreshAt = Number.POSITIVE_INFINITY;
  #expiresAt = Number.POSITIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(options.registry);
    this.#base = new URL(`${loopback ? "http" : "https"}://${options.registry}/v2/`);
    this.#agents = createAgents(options.maxSockets ?? 16, options.env);
    this.#retry = {
      ...DEFAULT_RETRY_POLICY,
      ...options.retry,
      ...(options.attempts === undefined ? {} : { maxAttempts: options.attempts }),
      ...(options.retryDelayMs === undefined ? {} : { baseDelayMs: options.retryDelayMs }),
    };
    this.#signal = options.signal;
    this.#debug = options.debug ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#refresh = options.refresh;
    this.#layerParts = options.layerParts;
    this.#use(options);
    this.#bearer = new BearerTokens(
      this.#agents,
      this.registry,
      () => this.#credentials,
      () => this.#now(),
      this.#debug,
    );
  }

  /** True when the repository already has the blob. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    return this.#retrying({ repository, action: `checking blob ${digest}` }, async () => {
      const response = await this.#send({ method: "HEAD", url: this.#url(`${repository}/blobs/${digest}`) });
      if (response.status === 200) return true;
      if (response.status === 404) return false;
      throw statusError(response);
    });
  }

  /**
   * Uploads one blob from `open()` (called again whenever the bytes must be sent again), hashing
   * what it sends. With `expected`, the digest is checked before the upload is committed; without
   * it (a layer being compressed) the computed digest is the one committed with the final PUT.
   *
   * Each of the three requests is retried on its own: a failed POST alone; a failed PATCH costs
   * this blob's bytes (its session, holding a part, is deleted and a fresh one started: ECR cannot
   * resume a PATCH); a commit PUT that failed or went unanswered first asks with a HEAD whether the
   * blob landed, then is sent again while the session lives. Each request has its own budget of
   * failures in a row (a POST that keeps failing gives up, whatever the others do); the bytes have
   * one too, spent by each copy lost (a PATCH cut, a session forgotten before its commit), so a
   * blob whose PATCH always fails stops although its POSTs get through.
   */
  async uploadBlob(
    repository: string,
    open: () => Readable,
    expected?: { digest: string; size: number; hashed?: boolean },
  ): Promise<UploadedBlob> {
    const label = expected ? `uploading blob ${expected.digest}` : "uploading a layer";
    const ctx = { repository, action: label };
    const starts = this.#budget();
    const copies = this.#budget();
    const auth = { refreshed: false };
    let inParts = false;
    for (;;) {
      if (inParts) {
        const uploaded = await this.#uploadInParts(repository, open, expected, ctx, auth);
        if (uploaded) return uploaded;
        inParts = false;
      }
      const session = await this.#retrying(ctx, () => this.#startUpload(repository), starts, auth);
      let sent: UploadedBlob & { commit: URL };
      const counted = { bytes: 0 };
      try {
        sent = await this.#sendBytes(session, open, expected, counted);
      } catch (error) {
        await this.#cancelUpload(session);
        inParts = !!this.#layerParts && counted.bytes >= LAYER_API_AFTER_BYTES && isRetryable(error);
        // A session the registry forgot mid-PATCH is worth a fresh one, like a reset.
        await this.#afterFailure(error, ctx, copies, auth, isRetryable(error) || isUploadUnknown(error));
        continue;
      }
      const landed = await this.#commit(repository, sent, ctx, copies, auth);
      if (landed) return { digest: sent.digest, size: sent.size };
      // The session is gone (the registry forgot it): the bytes go again in a fresh one.
    }
  }

  /**
   * The blob through ECR's layer API, each call (each part) retried alone with its own budget.
   * Undefined when the registry refuses that API (not ECR, or a role without its actions): PATCH
   * goes on instead.
   */
  async #uploadInParts(
    repository: string,
    open: () => Readable,
    expected: { digest: string; size: number } | undefined,
    ctx: { repository: string; action: string },
    auth: { refreshed: boolean },
  ): Promise<UploadedBlob | undefined> {
    const api = this.#layerParts;
    if (!api) return undefined;
    this.#debug(`${ctx.action}: sending it again in parts through ECR's layer API`);
    const started = await this.#retrying(ctx, () => api.initiate(repository), this.#budget(), auth).catch(
      (error: unknown) => {
        if (this.#signal?.aborted) throw error;
        this.#debug(`ECR's layer API is not available (${(error as Error).message}); going on with PATCH`);
        this.#layerParts = undefined;
        return undefined;
      },
    );
    if (!started) return undefined;
    const step = <T>(what: string, call: () => Promise<T>) =>
      this.#retrying({ repository, action: `${ctx.action} (${what})` }, call, this.#budget(), auth);
    return uploadInParts(api, repository, started, open, expected, step);
  }

  /** POST: a new upload session, its URL. */
  async #startUpload(repository: string): Promise<URL> {
    const started = await this.#send({
      method: "POST",
      url: this.#url(`${repository}/blobs/uploads/`),
      headers: { "Content-Length": "0" },
    });
    if (started.status !== 202) throw statusError(started);
    return this.#location(started);
  }

  /** One PATCH with the whole blob, hashed on the way; the URL to commit it at. */
  async #sendBytes(
    session: URL,
    open: () => Readable,
    expected: { digest: string; size: number; hashed?: boolean } | undefined,
    counted: { bytes: number },
  ): Promise<UploadedBlob & { commit: URL }> {
    // A copy between registries may leave the digest check to the registry, which verifies the
    // bytes against ?digest= before it commits them (the distribution spec requires it, and ECR
    // does): one full pass over every byte less on a CPU the two registries may share.
    const hashing = expected?.hashed !== false;
    const hash = createHash("sha256");
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (hashing) hash.update(chunk);
        size += chunk.length;
        counted.bytes = size;
        callback(null, chunk);
      },
    });
    const source = open();
    source.on("error", (error) => tap.destroy(error));
    const patched = await this.#send({
      method: "PATCH",
      url: session,
      headers: {
        "Content-Type": "application/octet-stream",
        ...(expected ? { "Content-Length": String(expected.size) } : {}),
      },
      body: source.pipe(tap),
    });
    if (patched.status !== 202 && patched.status !== 204) throw statusError(patched);
    const digest = hashing || !expected ? `sha256:${hash.digest("hex")}` : expected.digest;
    if (expected && (digest !== expected.digest || size !== expected.size)) {
      throw Object.assign(new Error(`the data read has digest ${digest}, not ${expected.digest}`), {
        code: "SOURCE_CHANGED",
      });
    }
    const commit = patched.headers.location ? this.#location(patched) : new URL(session);
    commit.searchParams.set("digest", digest);
    return { digest, size, commit };
  }

  /**
   * The commit PUT, retried alone (its own budget) while its session lives. True once the blob is
   * in the repository; false when the session is gone and the bytes must be sent again (a copy
   * lost, counted in `copies`).
   */
  async #commit(
    repository: string,
    sent: UploadedBlob & { commit: URL },
    ctx: { repository: string; action: string },
    copies: RetryBudget,
    auth: { refreshed: boolean },
  ): Promise<boolean> {
    const puts = this.#budget();
    for (;;) {
      try {
        const done = await this.#send({
          method: "PUT",
          url: sent.commit,
          headers: { "Content-Length": "0" },
        });
        if (done.status !== 201 && done.status !== 204) throw statusError(done);
        // The registry names what it stored. Another digest means the bytes changed between here
        // and the registry (a rewriting proxy, a broken gateway): a sentence, never retried,
        // because the same bytes through the same path would change the same way. The caller then
        // PUTs no manifest.
        const reported = reportedDigest(done);
        if (reported?.startsWith("sha256:") && reported !== sent.digest) {
          throw digestMismatch({
            registry: this.registry,
            repository,
            kind: "blob",
            sent: sent.digest,
            reported,
          });
        }
        return true;
      } catch (error) {
        if (this.#signal?.aborted || isEcrPushError(error)) throw error;
        const forgotten = isUploadUnknown(error);
        // An answer lost on the way, or a session the registry dropped after committing it.
        if ((forgotten || isRetryable(error)) && (await this.hasBlob(repository, sent.digest))) {
          this.#debug(`${sent.digest} landed although its commit failed (${(error as Error).message})`);
          return true;
        }
        try {
          await this.#afterFailure(
            error,
            ctx,
            forgotten ? copies : puts,
            auth,
            forgotten || isRetryable(error),
          );
        } catch (final) {
          if (!forgotten) await this.#cancelUpload(sent.commit);
          throw final;
        }
        if (forgotten) return false;
      }
    }
  }

  /**
   * DELETE of an upload session that will not be committed (a PATCH that failed part-way, a push
   * that gave up), so the registry can drop the part it holds. Best effort: any failure is ignored.
   * A cancelled push waits at most 300 ms for it, so the process still ends within a second.
   */
  async #cancelUpload(session: URL): Promise<void> {
    const url = new URL(session);
    url.search = "";
    try {
      await send(this.#agents, {
        method: "DELETE",
        url,
        headers: authorizationHeader(this.#authorization(repositoryOfUrl(url), true)),
        // A cancelled push still says so, but briefly: the job is being stopped.
        signal: AbortSignal.timeout(this.#signal?.aborted ? CANCELLED_TIMEOUT_MS : CANCEL_TIMEOUT_MS),
      });
      this.#debug(`DELETE ${url.pathname}`);
    } catch {
      // the session expires on its own
    }
  }

  /** The manifest stored under a tag or digest, or undefined when there is none. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    return this.#retrying({ repository, action: `reading manifest ${reference}` }, async () => {
      const response = await this.#send({
        method: "GET",
        url: this.#url(`${repository}/manifests/${reference}`),
        headers: { Accept: MANIFEST_MEDIA_TYPES.join(", ") },
      });
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw statusError(response);
      const mediaType =
        String(response.headers["content-type"] ?? "")
          .split(";")[0]
          ?.trim() ?? "";
      return { mediaType, bytes: response.body };
    });
  }

  /**
   * PUTs manifest bytes exactly as given, under a tag or a digest; returns the registry's digest
   * (empty when it names none). A registry naming another digest than that of the bytes sent fails
   * in one sentence, never retried (a second PUT of the same bytes would go the same way).
   */
  async putManifest(
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Buffer,
  ): Promise<string> {
    const tag = reference.startsWith("sha256:") ? undefined : reference;
    return this.#retrying(
      { repository, action: `putting manifest ${repository}:${reference}`, tag },
      async () => {
        const response = await this.#send({
          method: "PUT",
          url: this.#url(`${repository}/manifests/${reference}`),
          headers: { "Content-Type": mediaType, "Content-Length": String(bytes.length) },
          body: bytes,
        });
        if (response.status !== 201 && response.status !== 200) throw statusError(response);
        const reported = reportedDigest(response);
        if (!reported) return "";
        const sent = digestIn(reported, bytes);
        if (sent && sent !== reported) {
          throw digestMismatch({
            registry: this.registry,
            repository,
            kind: "manifest",
            sent,
            reported,
            tag,
          });
        }
        return reported;
      },
    );
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agents["http:"].destroy();
    this.#agents["https:"].destroy();
  }

  #url(path: string): URL {
    return new URL(path, this.#base);
  }

  /** The upload URL a response points at (ECR's is absolute, others may be relative). */
  #location(response: HttpResponse): URL {
    const location = response.headers.location;
    if (!location)
      throw Object.assign(new Error("the registry gave no upload location"), { code: "NO_LOCATION" });
    return new URL(location, this.#base);
  }

  async #send(request: HttpRequest): Promise<HttpResponse> {
    await this.#freshCredentials();
    const repository = repositoryOfUrl(request.url);
    const push = request.method !== "GET" && request.method !== "HEAD";
    const exchange = async (authorization: string) => {
      this.#debug(`${request.method} ${request.url.pathname}`);
      const response = await send(this.#agents, {
        ...request,
        headers: { ...authorizationHeader(authorization), ...request.headers },
        signal: this.#signal,
      });
      this.#debug(`${request.method} ${request.url.pathname} -> ${response.status}`);
      return response;
    };
    const response = await exchange(this.#authorization(repository, push));
    // A token registry's challenge: get a token for this repository and ask again. A streamed body
    // is spent by now; the upload's first request (a POST without one) already fetched its token.
    const challenge = response.status === 401 && parseBearerChallenge(response.headers["www-authenticate"]);
    if (!challenge || !(request.body === undefined || Buffer.isBuffer(request.body))) return response;
    return exchange(await this.#bearer.fetch(challenge, repository, push));
  }

  /** The Authorization header for a request: a cached Bearer token for the repository, else Basic. */
  #authorization(repository: string, push: boolean): string {
    return this.#bearer.header(repository, push) ?? this.#auth;
  }

  /**
   * Runs one request until it succeeds, fails for good, or runs out of budget: transient failures
   * back off with full jitter (at least what a Retry-After asks, never past the time bound); a
   * refusal of the credentials refreshes them once when a refresher is given; anything else fails
   * at once, in one sentence. A success counts as progress of `budget` unless `progress` is false.
   */
  async #retrying<T>(
    ctx: Omit<FailureContext, "registry" | "attempts">,
    fn: () => Promise<T>,
    budget = this.#budget(),
    auth = { refreshed: false },
    progress = true,
  ): Promise<T> {
    for (;;) {
      try {
        const result = await fn();
        if (progress) budget.progressed();
        return result;
      } catch (error) {
        await this.#afterFailure(error, ctx, budget, auth);
      }
    }
  }

  #budget(): RetryBudget {
    return new RetryBudget(this.#retry, this.#clock, this.#random);
  }

  /**
   * After a failed attempt: throws when it should not be retried (cancelled, not transient, budget
   * spent), else refreshes the credentials or backs off, and returns for the next attempt.
   */
  async #afterFailure(
    error: unknown,
    ctx: Omit<FailureContext, "registry" | "attempts">,
    budget: RetryBudget,
    auth: { refreshed: boolean },
    retryable = isRetryable(error),
  ): Promise<void> {
    // A cancelled push, or a refresh that failed with its own sentence (the ECR call's).
    if (this.#signal?.aborted || isEcrPushError(error)) throw error;
    if (this.#refresh && !auth.refreshed && isAuthRefusal(error)) {
      auth.refreshed = true;
      const generation = this.#generation;
      this.#debug(`${ctx.action} was refused (${(error as Error).message}); refreshing the credentials`);
      if (this.#generation === generation) await this.#refreshNow();
      return;
    }
    const asked = error instanceof RegistryStatusError ? error.retryAfterMs : undefined;
    // A 429 (ECR's TOOMANYREQUESTS: the account over its rate) spends half a retry; see RetryBudget.
    const throttled = error instanceof RegistryStatusError && error.status === 429;
    const wait = retryable ? budget.failed(asked, throttled) : undefined;
    if (wait === undefined) {
      throw registryFailure(error, { ...ctx, registry: this.registry, attempts: budget.attempts || 1 });
    }
    const cause = retryCause(error);
    this.retries.add(cause);
    this.#debug(
      `${ctx.action} failed (${(error as Error).message}); retrying in ${wait} ms (attempt ${budget.attempts + 1} of ${budget.allowed})`,
    );
    await backOff(this.#clock, wait, this.#signal);
    if (this.#signal?.aborted) throw error;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  /** Takes new credentials; a proactive refresh falls due a margin before they expire. */
  #use(credentials: RegistryCredentials): void {
    this.#credentials = { username: credentials.username, password: credentials.password };
    // No credentials at all (an anonymous read of a public image): no Authorization header.
    this.#auth =
      credentials.username || credentials.password
        ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`
        : "";
    const now = this.#now();
    const expires = credentials.expiresAt?.getTime();
    if (!this.#refresh || expires === undefined || !Number.isFinite(expires)) {
      this.#expiresAt = Number.POSITIVE_INFINITY;
      this.#refreshAt = Number.POSITIVE_INFINITY;
      return;
    }
    this.#expiresAt = expires;
    // ECR tokens live 12 hours: refresh 5 minutes ahead. A short-lived token (a test endpoint's)
    // is refreshed when three quarters of its life have passed.
    const margin = Math.min(REFRESH_MARGIN_MS, Math.max(0, expires - now) / 4);
    this.#refreshAt = expires - margin;
  }

  /** Before a request: refreshes credentials that are about to expire (one refresh for all callers). */
  async #freshCredentials(): Promise<void> {
    if (this.#now() < this.#refreshAt) return;
    try {
      await this.#refreshNow();
    } catch (error) {
      // The current credentials may still work for a while: go on with them, and try again later.
      if (this.#now() >= this.#expiresAt) throw error;
      this.#refreshAt = Math.min(this.#expiresAt, this.#now() + (this.#expiresAt - this.#now()) / 2);
      this.#debug(`Could not refresh the registry credentials yet (${(error as Error).message}).`);
    }
  }

  #refreshNow(): Promise<void> {
    const refresh = this.#refresh;
    if (!refresh) return Promise.resolve();
    this.#refreshing ??= (async () => {
      try {
        this.#debug("Refreshing the registry credentials.");
        this.#use(await refresh());
        this.#generation++;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  // --- Registry-to-registry copies (promote) ---

  /**
   * Opens one blob for reading: the response body, unread, to pipe straight into an upload (no
   * disk, no buffering). A redirect to storage is followed without the registry's credentials.
   */
  async openBlob(
    repository: string,
    digest: string,
  ): Promise<{ size: number | undefined; stream: Readable }> {
    return this.#retrying({ repository, action: `reading blob ${digest}` }, async () => {
      const url = this.#url(`${repository}/blobs/${digest}`);
      this.#debug(`GET ${url.pathname} (stream)`);
      const open = () =>
        openStream(
          this.#agents,
          url,
          authorizationHeader(this.#authorization(repository, false)),
          this.#signal,
        );
      const response = await open().catch(async (error: unknown) => {
        // A token registry's first read of this repository: a HEAD through #send gets the token.
        if (!(error instanceof RegistryStatusError) || error.status !== 401) throw error;
        await this.#send({ method: "HEAD", url });
        return open();
      });
      const length = Number(response.headers["content-length"]);
      return { size: Number.isFinite(length) ? length : undefined, stream: response };
    });
  }

  /**
   * Asks the registry to mount a blob from another repository of the same registry: true when it
   * did (201). A registry that does not mount (ECR by default) answers 202 with a fresh upload,
   * which is left to expire; any failure only means the blob is copied instead.
   */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    try {
      const url = this.#url(`${repository}/blobs/uploads/`);
      url.searchParams.set("mount", digest);
      url.searchParams.set("from", from);
      const response = await this.#send({ method: "POST", url, headers: { "Content-Length": "0" } });
      return response.status === 201;
    } catch (error) {
      this.#debug(`Mounting ${digest} from ${from} failed (${(error as Error).message}); copying it.`);
      return false;
    }
  }
}
