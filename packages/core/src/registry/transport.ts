// How one registry client talks to its registry, whatever it asks: the keep-alive agents, the
// credentials (Basic, or the Bearer tokens a token registry asks for), their refresh before they
// expire or once a request is refused, `send`, and the retry loop every request runs in (a
// RetryBudget per request, one RetryTally per client). What is asked (blobs, uploads, manifests)
// is client.ts's.
import type { IncomingMessage } from "node:http";
import { isEcrPushError } from "../errors/index.js";
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
import type { RegistryClientOptions, RegistryCredentials } from "./client.js";
import {
  type FailureContext,
  isAuthRefusal,
  isRetryable,
  RegistryStatusError,
  registryFailure,
  retryCause,
} from "./errors.js";
import { type Agents, createAgents, type HttpRequest, type HttpResponse, send } from "./http.js";
import { openStream } from "./stream.js";

/** What the transport takes of the client's options (each is documented there). */
export type TransportOptions = Omit<RegistryClientOptions, "layerParts">;

/** What a failure is reported as: the request, less what the transport adds itself. */
export type RequestContext = Omit<FailureContext, "registry" | "attempts">;

/** One failed attempt, as afterFailure weighs it. */
export interface FailedAttempt {
  ctx: RequestContext;
  budget: RetryBudget;
  /** Whether this piece of work has refreshed the credentials already (once is enough). */
  auth: { refreshed: boolean };
  /** The transport's generation when the attempt was made. */
  seen: number;
  retryable?: boolean;
}

/** How long before an ECR token expires it is refreshed (tokens last 12 hours). */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** The Authorization header, or none for an anonymous request. */
function authorizationHeader(value: string): Record<string, string> {
  return value ? { Authorization: value } : {};
}

export class RegistryTransport {
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
  #auth = "";
  #credentials: RegistryCredentials = { username: "", password: "" };
  readonly #bearer: BearerTokens;
  /** Bumped by every refresh, so requests refused with older credentials do not refresh again. */
  #generation = 0;
  /** When a proactive refresh is due (ms); Infinity when never. */
  #refreshAt = Number.POSITIVE_INFINITY;
  #expiresAt = Number.POSITIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(options: TransportOptions) {
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
    this.#use(options);
    this.#bearer = new BearerTokens(
      this.#agents,
      this.registry,
      () => this.#credentials,
      () => this.#now(),
      this.#debug,
    );
  }

  /** True once the push is cancelled (the client's signal aborted). */
  get aborted(): boolean {
    return this.#signal?.aborted === true;
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agents["http:"].destroy();
    this.#agents["https:"].destroy();
  }

  /** A URL of the registry API, `path` under `/v2/`. */
  url(path: string): URL {
    return new URL(path, this.#base);
  }

  /** The upload URL a response points at (ECR's is absolute, others may be relative). */
  location(response: HttpResponse): URL {
    const location = response.headers.location;
    if (!location)
      throw Object.assign(new Error("the registry gave no upload location"), { code: "NO_LOCATION" });
    return new URL(location, this.#base);
  }

  /**
   * One request, not retried: credentials refreshed first when they are about to expire, a token
   * registry's challenge answered, the client's signal, a debug line before and after.
   */
  async send(request: HttpRequest): Promise<HttpResponse> {
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

  /**
   * One best-effort request with the credentials at hand and nothing more: no refresh, no answer
   * to a challenge, no debug line, and the request's own signal rather than the client's (the
   * DELETE of an upload session given up on, which still goes when the push is cancelled).
   */
  sendBestEffort(request: HttpRequest): Promise<HttpResponse> {
    const push = request.method !== "GET" && request.method !== "HEAD";
    return send(this.#agents, {
      ...request,
      headers: {
        ...authorizationHeader(this.#authorization(repositoryOfUrl(request.url), push)),
        ...request.headers,
      },
    });
  }

  /** A GET of `url` whose body is handed over unread (see stream.ts), credentials for `repository`. */
  openStream(url: URL, repository: string): Promise<IncomingMessage> {
    return openStream(
      this.#agents,
      url,
      authorizationHeader(this.#authorization(repository, false)),
      this.#signal,
    );
  }

  /** The Authorization header for a request: a cached Bearer token for the repository, else Basic. */
  #authorization(repository: string, push: boolean): string {
    return this.#bearer.header(repository, push) ?? this.#auth;
  }

  /**
   * Runs one request until it succeeds, fails for good, or runs out of budget: transient failures
   * back off with full jitter (at least what a Retry-After asks, never past the time bound); a
   * refusal of the credentials refreshes them once when a refresher is given; anything else fails
   * at once, in one sentence. A success counts as progress of `budget`.
   */
  async retrying<T>(
    ctx: RequestContext,
    fn: () => Promise<T>,
    budget = this.budget(),
    auth = { refreshed: false },
  ): Promise<T> {
    for (;;) {
      const seen = this.generation;
      try {
        const result = await fn();
        budget.progressed();
        return result;
      } catch (error) {
        await this.afterFailure(error, { ctx, budget, auth, seen });
      }
    }
  }

  /** Bumped by every refresh: an attempt notes it first, so a refusal of older credentials does not refresh again. */
  get generation(): number {
    return this.#generation;
  }

  /** A fresh budget of failures in a row, for one request (or one copy of a blob's bytes). */
  budget(): RetryBudget {
    return new RetryBudget(this.#retry, this.#clock, this.#random);
  }

  /**
   * After a failed attempt: throws when it should not be retried (cancelled, not transient, budget
   * spent), else refreshes the credentials or backs off, and returns for the next attempt. `seen`
   * is the generation the attempt was made with; `retryable` defaults to isRetryable(error).
   */
  async afterFailure(error: unknown, attempt: FailedAttempt): Promise<void> {
    const { ctx, budget, auth, seen, retryable = isRetryable(error) } = attempt;
    // A cancelled push, or a refresh that failed with its own sentence (the ECR call's).
    if (this.#signal?.aborted || isEcrPushError(error)) throw error;
    if (this.#refresh && !auth.refreshed && isAuthRefusal(error)) {
      auth.refreshed = true;
      this.#debug(`${ctx.action} was refused (${(error as Error).message}); refreshing the credentials`);
      // Credentials refreshed since the attempt was made (another request's refusal) are used as they are.
      if (this.#generation === seen) await this.#refreshNow();
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
}
