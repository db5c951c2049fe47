import { createHash } from "node:crypto";
import { type Readable, Transform } from "node:stream";
import { type FailureContext, isRetryable, registryFailure, statusError } from "./errors.js";
import { type Agents, createAgents, type HttpRequest, type HttpResponse, send } from "./http.js";

export interface RegistryClientOptions {
  /** `host[:port]`; loopback registries are spoken to over plain HTTP, as Docker does. */
  registry: string;
  username: string;
  password: string;
  /** Parallel connections; the pusher bounds blob uploads itself. */
  maxSockets?: number;
  /** Attempts per request for transient failures (network, 5xx, 429). */
  attempts?: number;
  /** First back-off delay; doubled each attempt, with jitter. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  debug?: (line: string) => void;
}

export interface UploadedBlob {
  digest: string;
  size: number;
}

export interface FetchedManifest {
  mediaType: string;
  bytes: Buffer;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];

/**
 * The OCI distribution API as ECR serves it: Basic auth with the ECR token, HEAD to skip blobs,
 * POST + one streamed PATCH + PUT ?digest= per blob (never several PATCH chunks: ECR mishandles
 * them), and manifests PUT with their exact media type. Every request is retried when that is safe:
 * a blob upload is restarted from a fresh POST with its source re-opened.
 */
export class RegistryClient {
  readonly registry: string;
  readonly #base: URL;
  readonly #auth: string;
  readonly #agents: Agents;
  readonly #attempts: number;
  readonly #delay: number;
  readonly #signal: AbortSignal | undefined;
  readonly #debug: (line: string) => void;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i.test(options.registry);
    this.#base = new URL(`${loopback ? "http" : "https"}://${options.registry}/v2/`);
    this.#auth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
    this.#agents = createAgents(options.maxSockets ?? 16);
    this.#attempts = options.attempts ?? 4;
    this.#delay = options.retryDelayMs ?? 500;
    this.#signal = options.signal;
    this.#debug = options.debug ?? (() => {});
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
   * Uploads one blob from `open()` (called again for each attempt), hashing what it sends. With
   * `expected`, the digest is checked before the upload is committed; without it (a layer being
   * compressed) the computed digest is the one committed with the final PUT.
   */
  async uploadBlob(
    repository: string,
    open: () => Readable,
    expected?: { digest: string; size: number },
  ): Promise<UploadedBlob> {
    const label = expected ? `uploading blob ${expected.digest}` : "uploading a layer";
    return this.#retrying({ repository, action: label }, async () => {
      const started = await this.#send({
        method: "POST",
        url: this.#url(`${repository}/blobs/uploads/`),
        headers: { "Content-Length": "0" },
      });
      if (started.status !== 202) throw statusError(started);
      const hash = createHash("sha256");
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      const source = open();
      source.on("error", (error) => tap.destroy(error));
      const body = source.pipe(tap);
      const patched = await this.#send({
        method: "PATCH",
        url: this.#location(started),
        headers: {
          "Content-Type": "application/octet-stream",
          ...(expected ? { "Content-Length": String(expected.size) } : {}),
        },
        body,
      });
      if (patched.status !== 202 && patched.status !== 204) throw statusError(patched);
      const digest = `sha256:${hash.digest("hex")}`;
      if (expected && (digest !== expected.digest || size !== expected.size)) {
        throw Object.assign(new Error(`the data read has digest ${digest}, not ${expected.digest}`), {
          code: "SOURCE_CHANGED",
        });
      }
      const commit = this.#location(patched.headers.location ? patched : started);
      commit.searchParams.set("digest", digest);
      const done = await this.#send({ method: "PUT", url: commit, headers: { "Content-Length": "0" } });
      if (done.status !== 201 && done.status !== 204) throw statusError(done);
      return { digest, size };
    });
  }

  /** The manifest stored under a tag or digest, or undefined when there is none. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    return this.#retrying({ repository, action: `reading manifest ${reference}` }, async () => {
      const response = await this.#send({
        method: "GET",
        url: this.#url(`${repository}/manifests/${reference}`),
        headers: { Accept: MANIFEST_TYPES.join(", ") },
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

  /** PUTs manifest bytes exactly as given, under a tag or a digest; returns the registry's digest. */
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
        return String(response.headers["docker-content-digest"] ?? "");
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
    this.#debug(`${request.method} ${request.url.pathname}`);
    const response = await send(this.#agents, {
      ...request,
      headers: { Authorization: this.#auth, ...request.headers },
      signal: this.#signal,
    });
    this.#debug(`${request.method} ${request.url.pathname} -> ${response.status}`);
    return response;
  }

  async #retrying<T>(ctx: Omit<FailureContext, "registry" | "attempts">, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (this.#signal?.aborted) throw error;
        if (attempt >= this.#attempts || !isRetryable(error)) {
          throw registryFailure(error, { ...ctx, registry: this.registry, attempts: attempt });
        }
        const wait = this.#delay * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        this.#debug(`${ctx.action} failed (${(error as Error).message}); retrying in ${Math.round(wait)} ms`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
