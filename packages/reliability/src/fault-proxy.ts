import { createHash } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** The two kinds of traffic a push makes: ECR API calls (`POST /`) and the registry (`/v2/`). */
export type Plane = "control" | "registry";

export interface FaultProxyOptions {
  /** The endpoint faulted, `http://127.0.0.1:PORT` (ecr-local's). */
  upstream: string;
  /** Seed of the fault draws, so a run can be told again. */
  seed?: number;
  /** Share of requests whose connection is reset (half before forwarding, half after the upstream answered). */
  resetRate?: number;
  /** Share of requests answered 503 without being forwarded. */
  unavailableRate?: number;
  /** Share of requests held back before being forwarded, up to `maxDelayMs`. */
  delayRate?: number;
  maxDelayMs?: number;
  /** Which requests may be faulted or delayed (all by default); the others pass untouched. */
  faults?: (request: { plane: Plane; method: string; path: string }) => boolean;
  /**
   * Which answers get a wrong Docker-Content-Digest (none by default): a middlebox that changes
   * what the registry says it stored, e.g. `PUT` of `/blobs/uploads/` for blob commits.
   */
  rewriteDigest?: (request: { plane: Plane; method: string; path: string }) => boolean;
}

export interface FaultCounts {
  requests: number;
  resetsBeforeForwarding: number;
  resetsAfterAnswer: number;
  unavailable: number;
  delayed: number;
  /** Requests seen per plane and method, e.g. `registry PATCH`. */
  seen: Record<string, number>;
  /** Faults (resets and 503s) injected per plane. */
  faultsByPlane: Record<Plane, number>;
  /** Answers whose Docker-Content-Digest was replaced by another. */
  digestsRewritten: number;
}

/**
 * A loopback reverse proxy in front of an ECR endpoint that misbehaves on purpose: seeded random
 * connection resets, 503s and slow answers. It announces itself instead of the upstream (in
 * GetAuthorizationToken's proxyEndpoint, repository URIs and upload locations), so once the product
 * is pointed at it (AWS_ENDPOINT_URL_ECR) all of a push's traffic goes through it. The Host header
 * is forwarded as sent: SigV4 signatures name the proxy's host and still verify upstream.
 */
export class FaultProxy {
  readonly counts: FaultCounts = {
    requests: 0,
    resetsBeforeForwarding: 0,
    resetsAfterAnswer: 0,
    unavailable: 0,
    delayed: 0,
    seen: {},
    faultsByPlane: { control: 0, registry: 0 },
    digestsRewritten: 0,
  };
  readonly #options: Required<Omit<FaultProxyOptions, "faults" | "rewriteDigest">> &
    Pick<FaultProxyOptions, "faults" | "rewriteDigest">;
  readonly #upstream: URL;
  readonly #server: http.Server;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly #random: () => number;
  /** Rates can be changed between phases of a test. */
  rates: { reset: number; unavailable: number; delay: number; maxDelayMs: number };

  private constructor(options: FaultProxyOptions) {
    this.#options = {
      seed: 1,
      resetRate: 0,
      unavailableRate: 0,
      delayRate: 0,
      maxDelayMs: 0,
      ...options,
    };
    this.rates = {
      reset: this.#options.resetRate,
      unavailable: this.#options.unavailableRate,
      delay: this.#options.delayRate,
      maxDelayMs: this.#options.maxDelayMs,
    };
    this.#upstream = new URL(options.upstream);
    this.#random = mulberry32(this.#options.seed);
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    // Idle client connections stay open well past a push's pauses: a reset is always one we chose.
    this.#server.keepAliveTimeout = 60_000;
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** `127.0.0.1:PORT`: the registry host the product sees. */
  get host(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL_ECR. */
  get endpoint(): string {
    return `http://${this.host}`;
  }

  get faultsInjected(): number {
    return this.counts.resetsBeforeForwarding + this.counts.resetsAfterAnswer + this.counts.unavailable;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    this.#agent.destroy();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? "/";
    const plane: Plane = path.startsWith("/v2") ? "registry" : "control";
    const method = req.method ?? "GET";
    const { counts } = this;
    // A client giving up (after a reset of ours) is expected here, never an error of the test.
    req.on("error", () => {});
    res.on("error", () => {});
    counts.requests++;
    const key = `${plane} ${method}`;
    counts.seen[key] = (counts.seen[key] ?? 0) + 1;

    const faulted = this.#options.faults?.({ plane, method, path }) ?? true;
    // One draw per request decides its fate, another its delay: the same seed, the same sequence.
    const fate = this.#random();
    const wait = this.#random();
    const { reset, unavailable, delay, maxDelayMs } = this.rates;
    if (faulted && fate < reset / 2) {
      counts.resetsBeforeForwarding++;
      counts.faultsByPlane[plane]++;
      resetConnection(req.socket);
      return;
    }
    const resetAfter = faulted && fate >= reset / 2 && fate < reset;
    if (faulted && fate >= reset && fate < reset + unavailable) {
      counts.unavailable++;
      counts.faultsByPlane[plane]++;
      req.resume();
      req.on("end", () => {
        const body =
          plane === "registry"
            ? JSON.stringify({
                errors: [{ code: "UNAVAILABLE", message: "injected fault: service unavailable" }],
              })
            : JSON.stringify({ __type: "ServiceUnavailableException", message: "injected fault" });
        res.writeHead(503, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    if (faulted && wait < delay) {
      counts.delayed++;
      await new Promise((resolve) => setTimeout(resolve, Math.round((wait / delay) * maxDelayMs)));
    }
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
        if (resetAfter) {
          // The upstream has done the work; the client never learns it.
          counts.resetsAfterAnswer++;
          counts.faultsByPlane[plane]++;
          answer.resume();
          resetConnection(req.socket);
          return;
        }
        const headers = { ...answer.headers };
        if (typeof headers.location === "string") headers.location = this.#rewrite(headers.location);
        const stored = headers["docker-content-digest"];
        if (typeof stored === "string" && this.#options.rewriteDigest?.({ plane, method, path })) {
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
    req.pipe(upstream);
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
