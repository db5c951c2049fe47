// What a client asks of a registry: the OCI distribution API operations a push and a copy use
// (blobs checked, uploaded in three requests or through ECR's layer API, read and mounted;
// manifests read and put), each run in the transport's retry loop. How the requests travel
// (connections, credentials, refresh, retries) is transport.ts's.
import { createHash } from "node:crypto";
import { type Readable, Transform } from "node:stream";
import { isEcrPushError } from "../errors/index.js";
import { digestIn, MANIFEST_MEDIA_TYPES } from "../oci/index.js";
import type { Clock } from "../ports/index.js";
import type { RetryBudget, RetryPolicy, RetryTally } from "../retry/index.js";
import { digestMismatch, isRetryable, isUploadUnknown, RegistryStatusError, statusError } from "./errors.js";
import type { HttpResponse } from "./http.js";
import { LAYER_API_AFTER_BYTES, type LayerPartsApi, uploadInParts } from "./layer-parts.js";
import { RegistryTransport } from "./transport.js";

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
  readonly #transport: RegistryTransport;
  readonly #debug: (line: string) => void;
  /** Every retry this client made, by cause: the push logs them in one line. */
  readonly retries: RetryTally;
  /** Dropped when the registry refuses it (a role without ecr:UploadLayerPart): PATCH goes on. */
  #layerParts: LayerPartsApi | undefined;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.#transport = new RegistryTransport(options);
    this.retries = this.#transport.retries;
    this.#debug = options.debug ?? (() => {});
    this.#layerParts = options.layerParts;
  }

  /** True when the repository already has the blob. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    return this.#transport.retrying({ repository, action: `checking blob ${digest}` }, async () => {
      const response = await this.#transport.send({
        method: "HEAD",
        url: this.#transport.url(`${repository}/blobs/${digest}`),
      });
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
    const starts = this.#transport.budget();
    const copies = this.#transport.budget();
    const auth = { refreshed: false };
    let inParts = false;
    for (;;) {
      if (inParts) {
        const uploaded = await this.#uploadInParts(repository, open, expected, ctx, auth);
        if (uploaded) return uploaded;
        inParts = false;
      }
      const session = await this.#transport.retrying(ctx, () => this.#startUpload(repository), starts, auth);
      let sent: UploadedBlob & { commit: URL };
      const counted = { bytes: 0 };
      const seen = this.#transport.generation;
      try {
        sent = await this.#sendBytes(session, open, expected, counted);
      } catch (error) {
        await this.#cancelUpload(session);
        inParts = !!this.#layerParts && counted.bytes >= LAYER_API_AFTER_BYTES && isRetryable(error);
        // A session the registry forgot mid-PATCH is worth a fresh one, like a reset.
        await this.#transport.afterFailure(error, {
          ctx,
          budget: copies,
          auth,
          seen,
          retryable: isRetryable(error) || isUploadUnknown(error),
        });
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
    const started = await this.#transport
      .retrying(ctx, () => api.initiate(repository), this.#transport.budget(), auth)
      .catch((error: unknown) => {
        if (this.#transport.aborted) throw error;
        this.#debug(`ECR's layer API is not available (${(error as Error).message}); going on with PATCH`);
        this.#layerParts = undefined;
        return undefined;
      });
    if (!started) return undefined;
    const step = <T>(what: string, call: () => Promise<T>) =>
      this.#transport.retrying(
        { repository, action: `${ctx.action} (${what})` },
        call,
        this.#transport.budget(),
        auth,
      );
    return uploadInParts(api, repository, started, open, expected, step);
  }

  /** POST: a new upload session, its URL. */
  async #startUpload(repository: string): Promise<URL> {
    const started = await this.#transport.send({
      method: "POST",
      url: this.#transport.url(`${repository}/blobs/uploads/`),
      headers: { "Content-Length": "0" },
    });
    if (started.status !== 202) throw statusError(started);
    return this.#transport.location(started);
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
    const patched = await this.#transport.send({
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
    const commit = patched.headers.location ? this.#transport.location(patched) : new URL(session);
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
    const puts = this.#transport.budget();
    for (;;) {
      const seen = this.#transport.generation;
      try {
        const done = await this.#transport.send({
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
        if (this.#transport.aborted || isEcrPushError(error)) throw error;
        const forgotten = isUploadUnknown(error);
        // An answer lost on the way, or a session the registry dropped after committing it.
        if ((forgotten || isRetryable(error)) && (await this.hasBlob(repository, sent.digest))) {
          this.#debug(`${sent.digest} landed although its commit failed (${(error as Error).message})`);
          return true;
        }
        try {
          await this.#transport.afterFailure(error, {
            ctx,
            budget: forgotten ? copies : puts,
            auth,
            seen,
            retryable: forgotten || isRetryable(error),
          });
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
      await this.#transport.sendBestEffort({
        method: "DELETE",
        url,
        // A cancelled push still says so, but briefly: the job is being stopped.
        signal: AbortSignal.timeout(this.#transport.aborted ? CANCELLED_TIMEOUT_MS : CANCEL_TIMEOUT_MS),
      });
      this.#debug(`DELETE ${url.pathname}`);
    } catch {
      // the session expires on its own
    }
  }

  /** The manifest stored under a tag or digest, or undefined when there is none. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    return this.#transport.retrying({ repository, action: `reading manifest ${reference}` }, async () => {
      const response = await this.#transport.send({
        method: "GET",
        url: this.#transport.url(`${repository}/manifests/${reference}`),
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
    return this.#transport.retrying(
      { repository, action: `putting manifest ${repository}:${reference}`, tag },
      async () => {
        const response = await this.#transport.send({
          method: "PUT",
          url: this.#transport.url(`${repository}/manifests/${reference}`),
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
    this.#transport.close();
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
    return this.#transport.retrying({ repository, action: `reading blob ${digest}` }, async () => {
      const url = this.#transport.url(`${repository}/blobs/${digest}`);
      this.#debug(`GET ${url.pathname} (stream)`);
      const open = () => this.#transport.openStream(url, repository);
      const response = await open().catch(async (error: unknown) => {
        // A token registry's first read of this repository: a HEAD through send gets the token.
        if (!(error instanceof RegistryStatusError) || error.status !== 401) throw error;
        await this.#transport.send({ method: "HEAD", url });
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
      const url = this.#transport.url(`${repository}/blobs/uploads/`);
      url.searchParams.set("mount", digest);
      url.searchParams.set("from", from);
      const response = await this.#transport.send({
        method: "POST",
        url,
        headers: { "Content-Length": "0" },
      });
      return response.status === 201;
    } catch (error) {
      this.#debug(`Mounting ${digest} from ${from} failed (${(error as Error).message}); copying it.`);
      return false;
    }
  }
}
