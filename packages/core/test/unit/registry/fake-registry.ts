import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RegistryClient } from "../../../src/registry/index.js";

export interface Recorded {
  method: string;
  path: string;
  /** For manifests: the Content-Type sent. */
  contentType?: string;
}

/**
 * An in-memory OCI registry on loopback, enough for the client: Basic auth, HEAD blobs, POST/PATCH/PUT
 * uploads, manifests. `fail` makes chosen requests answer with an error status.
 */
export class FakeRegistry {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, { type: string; bytes: Buffer }>();
  readonly requests: Recorded[] = [];
  /** Concurrent PATCH bodies at most, to check the upload bound. */
  maxConcurrentPatches = 0;
  /** Status 0 drops the connection without an answer (a reset); `headers` go with the error. */
  fail: (
    r: Recorded,
  ) => { status: number; code: string; message: string; headers?: Record<string, string> } | undefined = () =>
    undefined;
  /** Requests whose work is done but whose answer is dropped (the connection closed instead). */
  dropAnswer: (r: Recorded) => boolean = () => false;
  /** The Docker-Content-Digest answered for a stored blob or manifest (the true digest by default). */
  reportDigest: (r: Recorded, digest: string) => string = (_, digest) => digest;
  /** Upload sessions cancelled by the client (DELETE). */
  uploadsDeleted = 0;
  /**
   * Blobs kept per repository: HEAD and GET find a blob only in the repositories it was uploaded
   * to, mounted into or added to with `addBlob`. Off by default: one store for the whole registry.
   */
  perRepository = false;
  /**
   * Answers a cross-repository mount (POST uploads/?mount=DIGEST&from=REPO) with 201 when `from`
   * has the blob. Off by default: such a POST opens a plain upload (202), as ECR's does.
   */
  mounts = false;
  /** The mounts answered 201, in order. */
  readonly mounted: { repository: string; digest: string; from: string }[] = [];
  readonly #blobsIn = new Map<string, Set<string>>();
  #uploads = new Map<string, Buffer[]>();
  #nextUpload = 1;
  #patching = 0;
  #server: Server;

  private constructor(readonly password: string) {
    this.#server = createServer((req, res) => {
      void this.#handle(req).then(
        ({ status, headers, body, recorded }) => {
          if (status === 0 || (recorded && this.dropAnswer(recorded))) return void req.socket.destroy();
          res.writeHead(status, headers);
          res.end(body);
        },
        (error) => {
          res.writeHead(500);
          res.end(String(error));
        },
      );
    });
  }

  static async start(password = "registry-password"): Promise<FakeRegistry> {
    const registry = new FakeRegistry(password);
    await new Promise<void>((resolve) => registry.#server.listen(0, "127.0.0.1", resolve));
    return registry;
  }

  /** Stores a blob in `repository` (and in the registry's store); returns its digest. */
  addBlob(repository: string, data: Buffer): string {
    const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
    this.blobs.set(digest, data);
    this.#placeBlob(repository, digest);
    return digest;
  }

  /** True when `repository` has the blob (any repository unless `perRepository`). */
  hasBlobIn(repository: string, digest: string): boolean {
    return this.blobs.has(digest) && (!this.perRepository || !!this.#blobsIn.get(repository)?.has(digest));
  }

  #placeBlob(repository: string, digest: string): void {
    const held = this.#blobsIn.get(repository) ?? new Set<string>();
    held.add(digest);
    this.#blobsIn.set(repository, held);
  }

  get host(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage) {
    const recorded: Recorded = {
      method: req.method ?? "",
      path: new URL(req.url ?? "/", "http://x").pathname,
      contentType: req.headers["content-type"],
    };
    return { ...(await this.#answer(req, recorded)), recorded };
  }

  async #answer(req: IncomingMessage, recorded: Recorded) {
    const url = new URL(req.url ?? "/", "http://x");
    const body = await this.#read(req);
    this.requests.push(recorded);
    const json = (status: number, code: string, message: string) => ({
      status,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ errors: [{ code, message }] }),
    });
    if (req.headers.authorization !== `Basic ${Buffer.from(`AWS:${this.password}`).toString("base64")}`) {
      return json(401, "UNAUTHORIZED", "authentication required");
    }
    const failure = this.fail(recorded);
    if (failure) {
      const answer = json(failure.status, failure.code, failure.message);
      return { ...answer, headers: { ...answer.headers, ...failure.headers } };
    }
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]+)$/.exec(url.pathname);
    if (blob && req.method === "HEAD")
      return { status: this.hasBlobIn(blob[1] ?? "", blob[2] ?? "") ? 200 : 404, headers: {}, body: "" };
    if (blob && req.method === "GET") {
      const data = this.hasBlobIn(blob[1] ?? "", blob[2] ?? "") ? this.blobs.get(blob[2] ?? "") : undefined;
      return data
        ? { status: 200, headers: { "Content-Length": String(data.length) }, body: data }
        : json(404, "BLOB_UNKNOWN", "unknown");
    }
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/(.*)$/.exec(url.pathname);
    const mount = url.searchParams.get("mount");
    const from = url.searchParams.get("from");
    if (upload && req.method === "POST" && this.mounts && mount && from && this.hasBlobIn(from, mount)) {
      const repository = upload[1] ?? "";
      this.#placeBlob(repository, mount);
      this.mounted.push({ repository, digest: mount, from });
      return {
        status: 201,
        headers: { Location: `/v2/${repository}/blobs/${mount}`, "Docker-Content-Digest": mount },
        body: "",
      };
    }
    if (upload && req.method === "POST") {
      const id = String(this.#nextUpload++);
      this.#uploads.set(id, []);
      return { status: 202, headers: { Location: `/v2/${upload[1]}/blobs/uploads/${id}?state=x` }, body: "" };
    }
    const session = upload && req.method !== "POST" ? this.#uploads.get(upload[2] ?? "") : undefined;
    if (upload && req.method !== "POST" && !session) {
      return json(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
    }
    if (upload && req.method === "DELETE") {
      this.#uploads.delete(upload[2] ?? "");
      this.uploadsDeleted++;
      return { status: 204, headers: {}, body: "" };
    }
    if (upload && req.method === "PATCH") {
      session?.push(body);
      return {
        status: 202,
        headers: { Location: `/v2/${upload[1]}/blobs/uploads/${upload[2]}?state=y` },
        body: "",
      };
    }
    if (upload && req.method === "PUT") {
      const data = Buffer.concat(session ?? []);
      const digest = url.searchParams.get("digest") ?? "";
      if (`sha256:${createHash("sha256").update(data).digest("hex")}` !== digest) {
        return json(400, "DIGEST_INVALID", "digest mismatch");
      }
      this.blobs.set(digest, data);
      this.#placeBlob(upload[1] ?? "", digest);
      this.#uploads.delete(upload[2] ?? "");
      return {
        status: 201,
        headers: { "Docker-Content-Digest": this.reportDigest(recorded, digest) },
        body: "",
      };
    }
    const manifest = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
    if (manifest && req.method === "PUT") {
      const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
      const stored = { type: String(req.headers["content-type"]), bytes: body };
      this.manifests.set(manifest[2] ?? "", stored);
      this.manifests.set(digest, stored);
      return {
        status: 201,
        headers: { "Docker-Content-Digest": this.reportDigest(recorded, digest) },
        body: "",
      };
    }
    if (manifest && req.method === "GET") {
      const found = this.manifests.get(manifest[2] ?? "");
      return found
        ? { status: 200, headers: { "Content-Type": found.type }, body: found.bytes }
        : json(404, "MANIFEST_UNKNOWN", "unknown");
    }
    return json(404, "NOT_FOUND", "no route");
  }

  async #read(req: IncomingMessage): Promise<Buffer> {
    const patch = req.method === "PATCH";
    if (patch) this.maxConcurrentPatches = Math.max(this.maxConcurrentPatches, ++this.#patching);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // Hold the body a moment so that parallel uploads overlap.
    if (patch) await new Promise((resolve) => setTimeout(resolve, 20));
    if (patch) this.#patching--;
    return Buffer.concat(chunks);
  }
}

/** A client of `registry` with the right password and no real back-off. */
export function clientOf(registry: FakeRegistry, password = registry.password): RegistryClient {
  return new RegistryClient({ registry: registry.host, username: "AWS", password, retryDelayMs: 1 });
}
