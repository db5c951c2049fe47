import { retryPolicyFromEnv } from "../../aws/retry.js";
import { PushFailedError } from "../../errors/index.js";
import type {
  ContainerEngine,
  LocalImage,
  LoginRenewal,
  PushedImage,
  PushProgress,
} from "../../ports/index.js";
import { RegistryClient } from "../../registry/index.js";
import { type ArchiveLocation, type OpenedSource, openSource } from "../../sources/index.js";
import { DEFAULT_CONCURRENCY, type PushedManifest, pushArtifact } from "./push.js";

export interface DaemonlessEngineOptions {
  source: ArchiveLocation & { reference: string };
  /** How the host spells the source input, for the sentences about a bad path. */
  sourceInputName: string;
  /** Blobs uploaded at once (default 4). */
  concurrency?: number;
  debug?: (line: string) => void;
  /**
   * Proxy and CA settings for the registry connections (HTTPS_PROXY, NO_PROXY, AWS_CA_BUNDLE), and
   * how hard to retry them (AWS_MAX_ATTEMPTS, ECR_PUSH_RETRY_MAX_SECONDS).
   */
  env?: Record<string, string | undefined>;
  /** Back-off before retrying a request (tests shorten it). */
  retryDelayMs?: number;
}

/**
 * A ContainerEngine with no engine: it reads a docker-archive or an OCI layout and speaks the
 * registry's API itself. The first push of a repository uploads the blobs; every further tag only
 * PUTs the same manifest bytes again. Credentials stay in memory and go with dispose().
 */
export class DaemonlessEngine implements ContainerEngine {
  readonly #options: DaemonlessEngineOptions;
  #opened: Promise<OpenedSource> | undefined;
  #client: RegistryClient | undefined;
  readonly #manifests = new Map<string, PushedManifest>();

  constructor(options: DaemonlessEngineOptions) {
    this.#options = options;
  }

  /** Reads the source's index (never its layers); a bad source throws its own sentence. */
  async inspect(_reference: string): Promise<LocalImage> {
    const { source, sourceInputName } = this.#options;
    this.#opened ??= openSource(source, { reference: source.reference, inputName: sourceInputName });
    const opened = await this.#opened;
    return { id: opened.id, repoTags: [], repoDigests: [] };
  }

  /**
   * Keeps the credentials for the registry client; with `renewal` the client refreshes them before
   * they expire (and once when the registry refuses them), so a push may outlast its token.
   */
  async login(
    registry: string,
    username: string,
    password: string,
    signal?: AbortSignal,
    renewal?: LoginRenewal,
  ): Promise<void> {
    this.#client?.close();
    this.#client = new RegistryClient({
      registry,
      username,
      password,
      expiresAt: renewal?.expiresAt,
      refresh: renewal && (() => renewal.refresh()),
      signal,
      maxSockets: this.#concurrency + 2,
      // AWS_MAX_ATTEMPTS and ECR_PUSH_RETRY_MAX_SECONDS, as for the ECR calls.
      retry: retryPolicyFromEnv(this.#options.env ?? {}),
      retryDelayMs: this.#options.retryDelayMs,
      debug: this.#options.debug,
      env: this.#options.env,
    });
  }

  /** Nothing to tag locally: the target's tag is given to the registry by push(). */
  async tag(): Promise<void> {}

  async push(target: string, onProgress?: (progress: PushProgress) => void): Promise<PushedImage> {
    const client = this.#client;
    if (!client)
      throw new PushFailedError("NotLoggedIn", `Cannot push ${target} before logging in to its registry.`);
    const { repository, tag } = splitTarget(target, client.registry);
    let manifest = this.#manifests.get(repository);
    if (!manifest) {
      const opened = await (this.#opened ?? Promise.reject(new Error("the source was not inspected")));
      manifest = await pushArtifact(opened.artifact, {
        client,
        repository,
        tag,
        concurrency: this.#concurrency,
        onProgress,
      });
      this.#manifests.set(repository, manifest);
    }
    // The client fails in one sentence when the registry names another digest than these bytes'.
    await client.putManifest(repository, tag, manifest.mediaType, manifest.bytes);
    onProgress?.({ line: `${tag}: digest: ${manifest.digest} size: ${manifest.bytes.length}` });
    return {
      digest: manifest.digest,
      size: manifest.bytes.length,
      imageSizeBytes: imageBytes(manifest.bytes),
    };
  }

  /** Nothing local to remove. */
  async remove(): Promise<void> {}

  async dispose(): Promise<void> {
    this.#client?.close();
    this.#client = undefined;
  }

  get #concurrency(): number {
    return this.#options.concurrency ?? DEFAULT_CONCURRENCY;
  }
}

/** `registry/repository:tag` into its parts; the registry is the one logged in to. */
function splitTarget(target: string, registry: string): { repository: string; tag: string } {
  const rest = target.startsWith(`${registry}/`) ? target.slice(registry.length + 1) : target;
  const colon = rest.lastIndexOf(":");
  return colon > 0
    ? { repository: rest.slice(0, colon), tag: rest.slice(colon + 1) }
    : { repository: rest, tag: "latest" };
}

export function createDaemonlessEngine(options: DaemonlessEngineOptions): DaemonlessEngine {
  return new DaemonlessEngine(options);
}

/** Config plus layers as an image manifest declares them; undefined for an index (ECR then says). */
function imageBytes(manifest: Buffer): number | undefined {
  const parsed = JSON.parse(manifest.toString("utf8")) as {
    config?: { size?: number };
    layers?: { size?: number }[];
  };
  if (!parsed.config || !Array.isArray(parsed.layers)) return undefined;
  return [parsed.config, ...parsed.layers].reduce((total, blob) => total + (blob.size ?? 0), 0);
}
