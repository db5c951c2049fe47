import { createHash } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** The two kinds of traffic a push makes: ECR API calls (`POST /`) and the registry (`/v2/`). */
export type Plane = "control" | "registry";

/** What the `faults` and `rewriteDigest` filters (and `cutAfterBytes`) are told about a request. */
export interface FaultRequest {
  plane: Plane;
  method: string;
  /** The request target as sent, query included. */
  path: string;
  /** On the control plane, the X-Amz-Target suffix, e.g. `UploadLayerPart` (none for STS calls). */
  operation?: string;
  /** The request's Content-Length, when it sent one. */
  contentLength?: number;
}

/** The fault kinds, as named in `counts.faultsByKind`. */
export type FaultKind =
  | "resetBeforeForwarding"
  | "resetAfterAnswer"
  | "unavailable"
  | "throttled"
  | "sessionForgotten"
  | "forgottenSessionAgain"
  | "patchCut"
  | "commitAnswerDropped";

export interface FaultProxyOptions {
  /** The endpoint faulted, `http://127.0.0.1:PORT` (ecr-local's). */
  upstream: string;
  /** Seed of the fault draws, so a run can be told again. */
  seed?: number;
  /** Share of requests whose connection is reset (half before forwarding, half after the upstream answered). */
  resetRate?: number;
  /** Share of requests answered 503 without being forwarded. */
  unavailableRate?: number;
  /** A Retry-After (seconds) on the registry's 503 answers; none by default. */
  retryAfterSeconds?: number;
  /** Share of requests held back before being forwarded, up to `maxDelayMs`. */
  delayRate?: number;
  maxDelayMs?: number;
  /**
   * Share of control-plane calls to `throttleOperations` (all ECR operations when omitted) answered
   * `400 ThrottlingException` (with `x-amzn-ErrorType`) without being forwarded.
   */
  throttleRate?: number;
  throttleOperations?: string[];
  /**
   * Share of registry `PATCH` requests cut in the middle of their body: the first `cutAfterBytes`
   * bytes are forwarded, then the upstream request is aborted and the client connection reset.
   */
  cutPatchRate?: number;
  /**
   * Where a cut PATCH is cut: a byte count, or one per request. By default half the Content-Length,
   * or 64 KiB of a body sent without one. A body shorter than that is forwarded whole (without its
   * end when chunked) before the cut; 0 cuts before any byte of it.
   */
  cutAfterBytes?: number | ((request: FaultRequest & { contentLength?: number }) => number);
  /**
   * Share of registry `PUT` requests to `/blobs/uploads/` (blob commits) forwarded, and so committed
   * upstream, whose answer is dropped: the client connection is reset instead.
   */
  dropCommitAnswerRate?: number;
  /**
   * Share of registry `PATCH` and `PUT` requests to `/blobs/uploads/<id>` answered, without being
   * forwarded, `404 BLOB_UPLOAD_UNKNOWN`; every later request for that upload id (any method, any
   * rates, whatever `faults` says) is answered the same.
   */
  forgetSessionRate?: number;
  /** Which requests may be faulted or delayed (all by default); the others pass untouched. */
  faults?: (request: FaultRequest) => boolean;
  /**
   * Which answers get a wrong Docker-Content-Digest (none by default): a middlebox that changes
   * what the registry says it stored, e.g. `PUT` of `/blobs/uploads/` for blob commits.
   */
  rewriteDigest?: (request: FaultRequest) => boolean;
}

/** The rates in force, which a test may change between phases (see `FaultProxy.rates`). */
export interface FaultRates {
  reset: number;
  unavailable: number;
  delay: number;
  maxDelayMs: number;
  throttle: number;
  cutPatch: number;
  dropCommitAnswer: number;
  forgetSession: number;
}

export interface FaultCounts {
  requests: number;
  resetsBeforeForwarding: number;
  resetsAfterAnswer: number;
  unavailable: number;
  delayed: number;
  /** Control-plane calls answered 400 ThrottlingException. */
  throttled: number;
  /** Registry PATCH requests cut in the middle of their body. */
  patchesCut: number;
  /** Body bytes of the cut PATCH requests forwarded upstream before their cut, in total. */
  bytesForwardedBeforeCut: number;
  /** Blob commits (upload PUTs) forwarded whose answer was dropped by a connection reset. */
  commitAnswersDropped: number;
  /** Upload ids forgotten (each counted once). */
  sessionsForgotten: number;
  /** Requests answered 404 BLOB_UPLOAD_UNKNOWN for a forgotten upload id, the first ones included. */
  forgottenSessionRequests: number;
  /** Requests seen per plane and method, e.g. `registry PATCH`. */
  seen: Record<string, number>;
  /** Faults injected per plane: every request answered by a fault (all kinds but delays). */
  faultsByPlane: Record<Plane, number>;
  /**
   * Faults injected per kind, plane and operation (the control plane's, else the method), e.g.
   * `throttled control UploadLayerPart` or `patchCut registry PATCH`.
   */
  faultsByKind: Record<string, number>;
  /** Answers whose Docker-Content-Digest was replaced by another. */
  digestsRewritten: number;
  /** Body bytes of registry PATCH and PUT requests read from the clients. */
  registryBytesReceived: number;
  /** Body bytes of registry PATCH and PUT requests written to the upstream. */
  registryBytesForwarded: number;
}

const RATE_OPTIONS = {
  reset: "resetRate",
  unavailable: "unavailableRate",
  delay: "delayRate",
  throttle: "throttleRate",
  cutPatch: "cutPatchRate",
  dropCommitAnswer: "dropCommitAnswerRate",
  forgetSession: "forgetSessionRate",
} as const satisfies Record<Exclude<keyof FaultRates, "maxDelayMs">, keyof FaultProxyOptions>;

/** The fault kinds one draw shares out for each kind of request (see `fateOf`): they must fit in 1. */
const COMPETING: { requests: string; rates: (keyof typeof RATE_OPTIONS)[] }[] = [
  { requests: "an ECR API call", rates: ["reset", "unavailable", "throttle"] },
  { requests: "a registry PATCH", rates: ["reset", "unavailable", "forgetSession", "cutPatch"] },
  { requests: "a blob commit PUT", rates: ["reset", "unavailable", "forgetSession", "dropCommitAnswer"] },
];

/** Throws a clear Error unless every rate is in [0, 1] and those competing for a request add up to ≤ 1. */
export function checkRates(rates: FaultRates): void {
  for (const [key, option] of Object.entries(RATE_OPTIONS) as [keyof typeof RATE_OPTIONS, string][]) {
    const rate = rates[key];
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new Error(`FaultProxy: ${option} must be a number from 0 to 1, not ${String(rate)}`);
    }
  }
  if (typeof rates.maxDelayMs !== "number" || !Number.isFinite(rates.maxDelayMs) || rates.maxDelayMs < 0) {
    throw new Error(`FaultProxy: maxDelayMs must be a number of 0 or more, not ${String(rates.maxDelayMs)}`);
  }
  for (const { requests, rates: keys } of COMPETING) {
    const total = keys.reduce((sum, key) => sum + rates[key], 0);
    if (total > 1 + 1e-9) {
      const terms = keys.map((key) => `${RATE_OPTIONS[key]} ${rates[key]}`).join(" + ");
      throw new Error(
        `FaultProxy: the fault rates that can hit ${requests} add up to ${Number(total.toFixed(6))} (${terms}), more than 1: one draw decides a request's fate, so their shares must fit in it`,
      );
    }
  }
}

/** `/v2/<repo>/blobs/uploads/<id>` of a request to an upload session, else undefined. */
function uploadSession(path: string): string | undefined {
  return /^\/v2\/.+?\/blobs\/uploads\/[^/?#]+/.exec(path)?.[0];
}

/**
 * The fate of a faultable request, from its draw `fate` (uniform in [0, 1)). The ranges of the
 * original kinds come first and are unchanged, so a seed that ran before draws the same resets and
 * 503s: [0, reset/2) reset before forwarding, [reset/2, reset) reset after the answer, then
 * `unavailable` of 503s. The new kinds follow from `reset + unavailable` on, each range laid out only
 * for the requests it can hit (so the ranges of kinds that never meet overlap, and each rate is the
 * share of the requests it names): an ECR call to a throttled operation is then throttled; a PATCH
 * or PUT of an upload session is forgotten, then a PATCH is cut, or an upload PUT's answer dropped.
 */
function fateOf(
  fate: number,
  rates: FaultRates,
  request: FaultRequest,
  throttled: boolean,
): FaultKind | undefined {
  const { reset, unavailable } = rates;
  if (fate < reset / 2) return "resetBeforeForwarding";
  if (fate < reset) return "resetAfterAnswer";
  if (fate < reset + unavailable) return "unavailable";
  let edge = reset + unavailable;
  const { plane, method, path } = request;
  if (plane === "control") return throttled && fate < edge + rates.throttle ? "throttled" : undefined;
  if ((method === "PATCH" || method === "PUT") && uploadSession(path)) {
    if (fate < edge + rates.forgetSession) return "sessionForgotten";
    edge += rates.forgetSession;
  }
  if (method === "PATCH") return fate < edge + rates.cutPatch ? "patchCut" : undefined;
  if (method === "PUT" && path.includes("/blobs/uploads/")) {
    return fate < edge + rates.dropCommitAnswer ? "commitAnswerDropped" : undefined;
  }
  return undefined;
}

const THROTTLED = JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" });
const UPLOAD_UNKNOWN = JSON.stringify({
  errors: [{ code: "BLOB_UPLOAD_UNKNOWN", message: "blob upload unknown to registry" }],
});

/**
 * A loopback reverse proxy in front of an ECR endpoint that misbehaves on purpose: seeded random
 * connection resets, 503s, throttling, slow answers, PATCH bodies cut short, commit answers lost
 * and upload sessions forgotten. It announces itself instead of the upstream (in
 * GetAuthorizationToken's proxyEndpoint, repository URIs and upload locations), so once the product
 * is pointed at it (AWS_ENDPOINT_URL_ECR) all of a push's traffic goes through it. The Host header
 * is forwarded as sent: SigV4 signatures name the proxy's host and still verify upstream.
 *
 * Draws: every request, faultable or not, takes two numbers of one seeded sequence, its fate then
 * its delay, so the same seed and the same requests give the same faults. The fate is shared out
 * by `fateOf`; the delay applies to forwarded requests only, as `wait < delay` (held back
 * `wait / delay * maxDelayMs`).
 */
export class FaultProxy {
  readonly counts: FaultCounts = {
    requests: 0,
    resetsBeforeForwarding: 0,
    resetsAfterAnswer: 0,
    unavailable: 0,
    delayed: 0,
    throttled: 0,
    patchesCut: 0,
    bytesForwardedBeforeCut: 0,
    commitAnswersDropped: 0,
    sessionsForgotten: 0,
    forgottenSessionRequests: 0,
    seen: {},
    faultsByPlane: { control: 0, registry: 0 },
    faultsByKind: {},
    digestsRewritten: 0,
    registryBytesReceived: 0,
    registryBytesForwarded: 0,
  };
  readonly #options: FaultProxyOptions;
  readonly #upstream: URL;
  readonly #server: http.Server;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly #random: () => number;
  readonly #rates: FaultRates;
  readonly #ratesView: FaultRates;
  readonly #throttleOperations: ReadonlySet<string> | undefined;
  /** Upload sessions forgotten, as `/v2/<repo>/blobs/uploads/<id>`. */
  readonly #forgotten = new Set<string>();

  private constructor(options: FaultProxyOptions) {
    this.#options = options;
    this.#rates = {
      reset: options.resetRate ?? 0,
      unavailable: options.unavailableRate ?? 0,
      delay: options.delayRate ?? 0,
      maxDelayMs: options.maxDelayMs ?? 0,
      throttle: options.throttleRate ?? 0,
      cutPatch: options.cutPatchRate ?? 0,
      dropCommitAnswer: options.dropCommitAnswerRate ?? 0,
      forgetSession: options.forgetSessionRate ?? 0,
    };
    checkRates(this.#rates);
    const cut = options.cutAfterBytes;
    if (typeof cut === "number" && !(Number.isFinite(cut) && cut >= 0)) {
      throw new Error(`FaultProxy: cutAfterBytes must be a number of 0 or more or a function, not ${cut}`);
    }
    // Every change is checked as it is made: a wrong rate throws where a test sets it.
    this.#ratesView = new Proxy(this.#rates, {
      set: (target, key, value) => {
        if (typeof key !== "string" || !(key in target)) {
          throw new Error(`FaultProxy: no rate named ${String(key)} (${Object.keys(target).join(", ")})`);
        }
        checkRates({ ...target, [key]: value });
        target[key as keyof FaultRates] = value;
        return true;
      },
      deleteProperty: (_target, key) => {
        throw new Error(`FaultProxy: rate ${String(key)} cannot be removed`);
      },
    });
    this.#throttleOperations = options.throttleOperations && new Set(options.throttleOperations);
    this.#upstream = new URL(options.upstream);
    this.#random = mulberry32(options.seed ?? 1);
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    // Idle client connections stay open well past a push's pauses: a reset is always one we chose.
    this.#server.keepAliveTimeout = 60_000;
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /**
   * The rates in force. They can be changed between phases of a test, one (`proxy.rates.cutPatch =
   * 0.3`) or several at once (`proxy.rates = { ...proxy.rates, reset: 0, cutPatch: 0.3 }`); each
   * change is checked as `start` checks the options, and a wrong one throws.
   */
  get rates(): FaultRates {
    return this.#ratesView;
  }

  set rates(rates: Partial<FaultRates>) {
    const next = { ...this.#rates, ...rates };
    checkRates(next);
    Object.assign(this.#rates, next);
  }

  /** `127.0.0.1:PORT`: the registry host the product sees. */
  get host(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL_ECR. */
  get endpoint(): string {
    return `http://${this.host}`;
  }

  /** Requests answered by a fault, all kinds (delays and rewritten digests aside). */
  get faultsInjected(): number {
    return this.counts.faultsByPlane.control + this.counts.faultsByPlane.registry;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    this.#agent.destroy();
    await closed;
  }

  #fault(kind: FaultKind, { plane, method, operation }: FaultRequest): void {
    const { counts } = this;
    counts.faultsByPlane[plane]++;
    const key = `${kind} ${plane} ${operation ?? method}`;
    counts.faultsByKind[key] = (counts.faultsByKind[key] ?? 0) + 1;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? "/";
    const plane: Plane = path.startsWith("/v2") ? "registry" : "control";
    const method = req.method ?? "GET";
    const target = req.headers["x-amz-target"];
    const operation =
      plane === "control" && typeof target === "string" && target.includes(".")
        ? target.slice(target.lastIndexOf(".") + 1)
        : undefined;
    const length = Number(req.headers["content-length"]);
    const request: FaultRequest = {
      plane,
      method,
      path,
      ...(operation === undefined ? {} : { operation }),
      ...(Number.isFinite(length) && req.headers["content-length"] !== undefined
        ? { contentLength: length }
        : {}),
    };
    const { counts } = this;
    // A client giving up (after a reset of ours) is expected here, never an error of the test.
    req.on("error", () => {});
    res.on("error", () => {});
    counts.requests++;
    const key = `${plane} ${method}`;
    counts.seen[key] = (counts.seen[key] ?? 0) + 1;
    const metered = plane === "registry" && (method === "PATCH" || method === "PUT");

    const faulted = this.#options.faults?.(request) ?? true;
    // One draw per request decides its fate, another its delay: the same seed, the same sequence.
    const fate = this.#random();
    const wait = this.#random();
    const rates = this.#rates;
    const session = plane === "registry" ? uploadSession(path) : undefined;
    if (session !== undefined && this.#forgotten.has(session)) {
      counts.forgottenSessionRequests++;
      this.#fault("forgottenSessionAgain", request);
      this.#answer(req, res, metered, 404, "application/json", UPLOAD_UNKNOWN);
      return;
    }
    const throttled = operation !== undefined && (this.#throttleOperations?.has(operation) ?? true);
    const kind = faulted ? fateOf(fate, rates, request, throttled) : undefined;
    switch (kind) {
      case "resetBeforeForwarding":
        counts.resetsBeforeForwarding++;
        this.#fault(kind, request);
        resetConnection(req.socket);
        return;
      case "unavailable": {
        counts.unavailable++;
        this.#fault(kind, request);
        if (plane === "registry") {
          const body = JSON.stringify({
            errors: [{ code: "UNAVAILABLE", message: "injected fault: service unavailable" }],
          });
          const { retryAfterSeconds } = this.#options;
          this.#answer(
            req,
            res,
            metered,
            503,
            "application/json",
            body,
            retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) },
          );
        } else {
          const body = JSON.stringify({ __type: "ServiceUnavailableException", message: "injected fault" });
          this.#answer(req, res, metered, 503, "application/json", body, {
            "x-amzn-ErrorType": "ServiceUnavailableException",
          });
        }
        return;
      }
      case "throttled":
        counts.throttled++;
        this.#fault(kind, request);
        this.#answer(req, res, metered, 400, "application/x-amz-json-1.1", THROTTLED, {
          "x-amzn-ErrorType": "ThrottlingException",
        });
        return;
      case "sessionForgotten":
        if (session !== undefined) this.#forgotten.add(session);
        counts.sessionsForgotten++;
        counts.forgottenSessionRequests++;
        this.#fault(kind, request);
        this.#answer(req, res, metered, 404, "application/json", UPLOAD_UNKNOWN);
        return;
    }
    const { delay, maxDelayMs } = rates;
    if (faulted && wait < delay) {
      counts.delayed++;
      await new Promise((resolve) => setTimeout(resolve, Math.round((wait / delay) * maxDelayMs)));
    }
    this.#forward(req, res, request, kind, metered);
  }

  /** Answers without forwarding, once the request's body has been read. */
  #answer(
    req: IncomingMessage,
    res: ServerResponse,
    metered: boolean,
    status: number,
    contentType: string,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    if (metered) {
      req.on("data", (chunk: Buffer) => {
        this.counts.registryBytesReceived += chunk.length;
      });
    }
    req.resume();
    req.on("end", () => {
      res.writeHead(status, {
        ...headers,
        "Content-Type": contentType,
        "Content-Length": Buffer.byteLength(body),
      });
      res.end(body);
    });
  }

  /** Forwards the request (its body cut short for `patchCut`) and passes, rewrites or drops the answer. */
  #forward(
    req: IncomingMessage,
    res: ServerResponse,
    request: FaultRequest,
    kind: FaultKind | undefined,
    metered: boolean,
  ): void {
    const { counts } = this;
    const { plane, method, path } = request;
    // The client gave up while the request was held back: nothing is left to forward.
    if (req.destroyed && !req.complete) return;
    const upstream = http.request(
      {
        host: this.#upstream.hostname,
        port: this.#upstream.port,
        method,
        path,
        headers: req.headers,
        agent: this.#agent,
      },
      (answer) => {
        if (kind === "patchCut") {
          // The upstream answered before the cut (a body shorter than it): the client never learns it.
          answer.resume();
          return;
        }
        if (kind === "resetAfterAnswer" || kind === "commitAnswerDropped") {
          // The upstream has done the work; the client never learns it.
          if (kind === "resetAfterAnswer") counts.resetsAfterAnswer++;
          else counts.commitAnswersDropped++;
          this.#fault(kind, request);
          answer.resume();
          resetConnection(req.socket);
          return;
        }
        const headers = { ...answer.headers };
        if (typeof headers.location === "string") headers.location = this.#rewrite(headers.location);
        const stored = headers["docker-content-digest"];
        if (typeof stored === "string" && this.#options.rewriteDigest?.(request)) {
          counts.digestsRewritten++;
          headers["docker-content-digest"] = otherDigest(stored);
        }
        const json = /json/.test(String(headers["content-type"] ?? "")) && plane === "control";
        if (!json) {
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.from(this.#rewrite(Buffer.concat(chunks).toString("utf8")));
          headers["content-length"] = String(body.length);
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    upstream.on("error", () => resetConnection(req.socket));

    // The body, by hand rather than piped, to count it and to stop it short.
    const cutAt = kind === "patchCut" ? this.#cutAfterBytes(request, req) : Number.POSITIVE_INFINITY;
    let forwarded = 0;
    let flushed = 0;
    let stopping = false;
    let ended = false;
    let cut = false;
    const cutWhenFlushed = () => {
      // Only once the bytes forwarded are out of this process, so the upstream gets exactly them.
      if (cut || kind !== "patchCut" || !(stopping || ended) || flushed < forwarded) return;
      cut = true;
      counts.patchesCut++;
      counts.bytesForwardedBeforeCut += forwarded;
      this.#fault("patchCut", request);
      req.pause();
      upstream.destroy();
      resetConnection(req.socket);
    };
    if (cutAt <= 0) {
      stopping = true;
      cutWhenFlushed();
      return;
    }
    req.on("data", (chunk: Buffer) => {
      if (stopping) return;
      if (metered) counts.registryBytesReceived += chunk.length;
      const part = forwarded + chunk.length > cutAt ? chunk.subarray(0, cutAt - forwarded) : chunk;
      forwarded += part.length;
      if (metered) counts.registryBytesForwarded += part.length;
      if (forwarded >= cutAt) {
        stopping = true;
        req.pause();
      }
      const more = upstream.write(part, () => {
        flushed += part.length;
        cutWhenFlushed();
      });
      if (!more && !stopping) {
        req.pause();
        upstream.once("drain", () => {
          if (!stopping) req.resume();
        });
      }
    });
    req.on("end", () => {
      ended = true;
      if (kind === "patchCut") cutWhenFlushed();
      else upstream.end();
    });
    // A client that gives up mid-body: the upstream request goes too, rather than waiting for the rest.
    req.on("close", () => {
      if (!req.complete) upstream.destroy();
    });
  }

  #cutAfterBytes(request: FaultRequest, req: IncomingMessage): number {
    const length = Number(req.headers["content-length"]);
    const contentLength = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    const option = this.#options.cutAfterBytes;
    const bytes =
      typeof option === "function"
        ? option({ ...request, contentLength })
        : (option ?? (contentLength !== undefined ? Math.floor(contentLength / 2) : 64 * 1024));
    return Number.isFinite(bytes) ? Math.max(0, Math.floor(bytes)) : 0;
  }

  /** The upstream's address, wherever it appears, becomes the proxy's. */
  #rewrite(text: string): string {
    return text.split(this.#upstream.host).join(this.host);
  }
}

/** A well-formed digest that is not `digest`: the SHA-256 of its own text. */
export function otherDigest(digest: string): string {
  return `sha256:${createHash("sha256").update(digest).digest("hex")}`;
}

/** A TCP reset (RST) where the platform supports it, else an abrupt close. */
function resetConnection(socket: Socket): void {
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
