import { retryPolicyFromEnv } from "../../aws/retry.js";
import { PushFailedError } from "../../errors/index.js";
import { type Descriptor, type ManifestDocument, sha256 } from "../../oci/index.js";
import type {
  Clock,
  ContainerEngine,
  LocalImage,
  PushedImage,
  PushedTags,
  PushProgress,
  RegistryAccess,
  StoredImage,
  TagPushOptions,
} from "../../ports/index.js";
import { RegistryClient } from "../../registry/index.js";
import { immutableReason, isTagImmutable, MUTABLE_TAGS } from "../../request/tag-mutability.js";
import {
  isSelecting,
  type ManifestSelection,
  notAnIndex,
  rewriteIndex,
  selectionNote,
  selectManifests,
} from "../../select/index.js";
import { type ArchiveLocation, isRawLayer, type OpenedSource, openSource } from "../../sources/index.js";
import type { DockerCliEngine, ImageExport } from "../docker/engine.js";
import { LayerCache } from "./cache.js";
import { type LayerCompression, layerCodec } from "./compress.js";
import { pushExport } from "./export.js";
import { DEFAULT_CONCURRENCY, type PushedManifest, pushArtifact } from "./push.js";
import { type ImageIdentity, isSameImage, reusableLayers } from "./reuse.js";
import { SpoolFolder } from "./spool.js";

/** An image on disk (read in place) or in the local daemon (exported as a stream when needed). */
export type RegistryEngineSource =
  | (ArchiveLocation & { reference: string })
  | { kind: "daemon"; reference: string; daemon: DockerCliEngine };

export interface RegistryEngineOptions {
  source: RegistryEngineSource;
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
  /** Time and back-off sleeps (the system clock by default). */
  clock?: Clock;
  /** Where the layer cache lives between jobs; none: nothing is cached. */
  cacheDir?: string;
  /** Where an export spools its blobs (default os.tmpdir()). */
  tempDir?: string;
  /** How the layers it makes are compressed (gzip unless given). */
  compression?: LayerCompression;
  /** What to keep of an OCI layout's index, and how the host spells the platform input. */
  selection?: ManifestSelection & { platformName: string };
}

/**
 * The registry engine: ecr-push speaks the registry's API itself, for every source. It reads a
 * docker-archive or an OCI layout in place, or has the local daemon export an image as a stream.
 * Before anything is sent it states every tag: tags already naming this image are left alone (a
 * re-run sends nothing), an image the repository already holds is only tagged, and layers the
 * repository (or the layer cache) knows are not compressed or sent again. Credentials stay in
 * memory and go with dispose(); no Docker config is written.
 */
export class RegistryEngine implements ContainerEngine {
  readonly #options: RegistryEngineOptions;
  #opened: Promise<OpenedSource> | undefined;
  #local: LocalImage | undefined;
  #client: RegistryClient | undefined;
  /** Said once pushed: what the selection left out, and that the digest is not the source's. */
  #selectionNote: string | undefined;

  constructor(options: RegistryEngineOptions) {
    this.#options = options;
  }

  /** A daemon source asks the daemon; an archive's index is read (never its layers). */
  async inspect(reference: string, signal?: AbortSignal): Promise<LocalImage | undefined> {
    const { source, sourceInputName } = this.#options;
    if (source.kind === "daemon") {
      this.#local = await source.daemon.inspect(reference, signal);
      return this.#local;
    }
    this.#opened ??= openSource(source, { reference: source.reference, inputName: sourceInputName }).then(
      (opened) => this.#select(opened, source.reference),
    );
    const opened = await this.#opened;
    return { id: opened.id, repoTags: [], repoDigests: [] };
  }

  /** The image or index to push of what the source holds, as the selection asks. */
  #select(opened: OpenedSource, reference: string): OpenedSource {
    const { selection } = this.#options;
    if (!isSelecting(selection) || !selection) return opened;
    const { artifact } = opened;
    if (artifact.kind !== "index") {
      if (selection.platforms?.length) {
        throw notAnIndex(selection.platformName, selection.platforms, reference);
      }
      return opened;
    }
    const doc = JSON.parse(artifact.bytes.toString("utf8")) as ManifestDocument;
    const selected = selectManifests(doc.manifests ?? [], selection, {
      reference,
      platformName: selection.platformName,
    });
    const childOf = (digest: string) =>
      artifact.children.find((child) => child.kind !== "layers" && child.digest === digest);
    let chosen: OpenedSource;
    if (selected.kind === "image") {
      const child = childOf(selected.manifest.digest);
      if (!child || child.kind === "layers")
        throw new Error(`the index has no child ${selected.manifest.digest}`);
      chosen = {
        id: child.kind === "manifest" ? child.config.descriptor.digest : child.digest,
        artifact: child,
      };
    } else if (!selected.changed) {
      return opened;
    } else {
      const bytes = rewriteIndex(artifact.bytes, selected.manifests);
      const digest = sha256(bytes);
      const children = selected.manifests.flatMap((m) => childOf(m.digest) ?? []);
      chosen = { id: digest, artifact: { ...artifact, bytes, digest, children } };
    }
    const to = chosen.artifact.kind === "layers" ? "" : chosen.artifact.digest;
    this.#selectionNote = selectionNote(selected, artifact.digest, to, selection);
    return chosen;
  }

  /**
   * Keeps the credentials for the registry client; with `access` the client refreshes them before
   * they expire (and once when the registry refuses them), so a push may outlast its token.
   */
  async login(
    registry: string,
    username: string,
    password: string,
    signal?: AbortSignal,
    access?: RegistryAccess,
  ): Promise<void> {
    this.#client?.close();
    this.#client = new RegistryClient({
      registry,
      username,
      password,
      expiresAt: access?.expiresAt,
      refresh: access && (() => access.refresh()),
      layerParts: access?.layerParts,
      signal,
      maxSockets: this.#concurrency + 2,
      // AWS_MAX_ATTEMPTS and ECR_PUSH_RETRY_MAX_SECONDS, as for the ECR calls.
      retry: retryPolicyFromEnv(this.#options.env ?? {}),
      retryDelayMs: this.#options.retryDelayMs,
      clock: this.#options.clock,
      debug: this.#options.debug,
      env: this.#options.env,
    });
  }

  /** Never called (pushTags tags in the registry); nothing is tagged locally. */
  async tag(): Promise<void> {}

  async push(target: string, onProgress?: (progress: PushProgress) => void): Promise<PushedImage> {
    return this.pushTags([target], {
      onProgress,
      current: [undefined],
      recent: async () => [],
      tagMutability: MUTABLE_TAGS,
    });
  }

  async pushTags(targets: readonly string[], options: TagPushOptions): Promise<PushedTags> {
    const client = this.#client;
    if (!client)
      throw new PushFailedError(
        "NotLoggedIn",
        `Cannot push ${targets[0]} before logging in to its registry.`,
      );
    try {
      return await this.#pushTags(client, targets, options);
    } finally {
      // One line, pushed or not: how much the network cost (each retry is a --debug line).
      const retries = client.retries.summary();
      if (retries) options.onProgress?.({ line: `Registry requests needed ${retries}.` });
    }
  }

  async #pushTags(
    client: RegistryClient,
    targets: readonly string[],
    options: TagPushOptions,
  ): Promise<PushedTags> {
    const split = targets.map((target) => splitTarget(target, client.registry));
    const repository = split[0]?.repository ?? "";
    const ours = await this.#identity();
    const debug = this.#debug;

    // 1. Each tag as it stands: already this image, free, or (immutable) another image's.
    const unchanged = targets.filter((_, i) => isSameImage(options.current[i], ours));
    split.forEach(({ tag }, i) => {
      const current = options.current[i];
      if (current && !isSameImage(current, ours) && isTagImmutable(options.tagMutability, tag)) {
        throw new PushFailedError(
          "ImageTagAlreadyExists",
          `The tag ${tag} already exists in ${repository} on another image (${current.digest}) and ${immutableReason(options.tagMutability, tag)}, so nothing was pushed: choose a new tag or make the repository's tags mutable.`,
        );
      }
    });
    const standing = options.current.find((image) => isSameImage(image, ours));
    let manifest = standing && manifestOf(standing);
    if (unchanged.length === targets.length && manifest) {
      debug(`Every tag already names ${manifest.digest}: nothing to send.`);
      if (this.#selectionNote) options.onProgress?.({ line: this.#selectionNote });
      return { ...result(manifest), unchanged };
    }

    // 2. The repository may hold this image under another tag (or none): then only tag it.
    const started = manifest ? undefined : this.#startExport(options.signal);
    try {
      let recent: StoredImage[] = [];
      if (!manifest) {
        recent = await options.recent();
        const held = recent.find((image) => isSameImage(image, ours));
        if (held) {
          manifest = manifestOf(held);
          debug(`The repository already holds this image as ${held.digest}: tagging it, sending no blob.`);
        }
      }
      // 3. Otherwise upload what the repository lacks.
      const candidates = [...options.current, ...recent].filter((image): image is StoredImage => !!image);
      manifest ??= await this.#upload(client, repository, ours, candidates, options, started);
    } finally {
      (await started?.catch(() => undefined))?.kill();
    }
    const pushed = manifest;
    for (const [i, { tag }] of split.entries()) {
      if (unchanged.includes(targets[i] ?? "")) {
        options.onProgress?.({ line: `${tag}: already names ${pushed.digest}` });
        continue;
      }
      // The client fails in one sentence when the registry names another digest than these bytes'.
      await client.putManifest(repository, tag, pushed.mediaType, pushed.bytes);
      options.onProgress?.({ line: `${tag}: digest: ${pushed.digest} size: ${pushed.bytes.length}` });
    }
    if (this.#selectionNote) options.onProgress?.({ line: this.#selectionNote });
    return { ...result(pushed), unchanged };
  }

  /** The daemon's export, started before it is known to be needed: it takes seconds to begin. */
  #startExport(signal: AbortSignal | undefined): Promise<ImageExport> | undefined {
    const { source } = this.#options;
    if (source.kind !== "daemon" || !this.#local) return undefined;
    const exporting = source.daemon.save(this.#local.id, signal);
    exporting.catch(() => {});
    return exporting;
  }

  async #upload(
    client: RegistryClient,
    repository: string,
    ours: ImageIdentity,
    candidates: StoredImage[],
    options: TagPushOptions,
    exporting: Promise<ImageExport> | undefined,
  ): Promise<PushedManifest> {
    const debug = this.#debug;
    const diffIds = await this.#diffIds();
    const cache = await LayerCache.open(this.#options.cacheDir, client.registry, debug);
    const codec = layerCodec(this.#options.compression);
    const known = diffIds.length
      ? await reusableLayers(candidates, { client, repository, diffIds, cache, debug, codec })
      : new Map<string, Descriptor>();
    if (diffIds.length) debug(`${known.size} of ${diffIds.length} layers are already in ${repository}.`);
    const learned = new Map<string, Descriptor>();
    const concurrency = this.#concurrency;
    let manifest: PushedManifest;
    if (exporting) {
      const local = this.#local as LocalImage;
      const spool = await SpoolFolder.create(this.#options.tempDir);
      try {
        manifest = await pushExport(await exporting, {
          client,
          repository,
          // Windows images may have foreign layers, named only at the export's end.
          image: { id: ours.configDigest ?? local.id, diffIds, deferLayers: local.os === "windows" },
          known,
          learned,
          spool,
          codec,
          concurrency,
          onProgress: options.onProgress,
          debug,
        });
      } finally {
        await spool.close();
      }
    } else {
      const opened = await (this.#opened ?? Promise.reject(new Error("the source was not inspected")));
      manifest = await pushArtifact(opened.artifact, {
        client,
        repository,
        concurrency,
        onProgress: options.onProgress,
        known,
        learned,
        codec,
      });
    }
    for (const [diffId, layer] of [...known, ...learned]) cache.remember(diffId, layer, repository);
    await cache.save();
    return manifest;
  }

  async #identity(): Promise<ImageIdentity> {
    const compression = this.#options.compression ?? "gzip";
    if (this.#options.source.kind === "daemon") return { configDigest: this.#local?.id, compression };
    const { artifact, id } = await (this.#opened ??
      Promise.reject(new Error("the source was not inspected")));
    return artifact.kind === "layers"
      ? { configDigest: id, compression }
      : { manifestDigest: artifact.digest };
  }

  async #diffIds(): Promise<string[]> {
    if (this.#options.source.kind === "daemon") return this.#local?.diffIds ?? [];
    const { artifact } = await (this.#opened ?? Promise.reject(new Error("the source was not inspected")));
    return artifact.kind === "layers"
      ? artifact.layers.flatMap((layer) => (isRawLayer(layer) ? layer.diffId : []))
      : [];
  }

  /** A daemon source removes its image there; an archive has nothing local to remove. */
  async remove(reference: string, signal?: AbortSignal): Promise<void> {
    const { source } = this.#options;
    if (source.kind === "daemon") await source.daemon.remove(reference, signal);
  }

  async dispose(): Promise<void> {
    this.#client?.close();
    this.#client = undefined;
    const { source } = this.#options;
    if (source.kind === "daemon") await source.daemon.dispose();
  }

  get #concurrency(): number {
    return this.#options.concurrency ?? DEFAULT_CONCURRENCY;
  }

  get #debug(): (line: string) => void {
    return this.#options.debug ?? (() => {});
  }
}

function manifestOf(image: StoredImage): PushedManifest {
  const bytes = Buffer.from(image.manifest, "utf8");
  const declared = (() => {
    try {
      return (JSON.parse(image.manifest) as { mediaType?: string }).mediaType;
    } catch {
      return undefined;
    }
  })();
  return { mediaType: image.mediaType ?? declared ?? "", bytes, digest: image.digest };
}

function result(manifest: PushedManifest): PushedImage {
  return { digest: manifest.digest, size: manifest.bytes.length, imageSizeBytes: imageBytes(manifest.bytes) };
}

/** `registry/repository:tag` into its parts; the registry is the one logged in to. */
function splitTarget(target: string, registry: string): { repository: string; tag: string } {
  const rest = target.startsWith(`${registry}/`) ? target.slice(registry.length + 1) : target;
  const colon = rest.lastIndexOf(":");
  return colon > 0
    ? { repository: rest.slice(0, colon), tag: rest.slice(colon + 1) }
    : { repository: rest, tag: "latest" };
}

export function createRegistryEngine(options: RegistryEngineOptions): RegistryEngine {
  return new RegistryEngine(options);
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
