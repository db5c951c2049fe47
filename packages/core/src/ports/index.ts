import type { LayerPartsApi } from "../registry/layer-parts.js";
import type { TagMutability } from "../request/tag-mutability.js";

/**
 * Ports: everything the push workflow needs from the outside world.
 * Each host adapter (CLI, Azure Pipelines, GitHub Actions, Codefresh) implements these and
 * nothing else; the workflow never touches a host API, `process.env` of a host, or stdout.
 */

/** Where the workflow reports what it is doing. Hosts map this onto their own log conventions. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Runs `fn` inside a collapsible/indented group where the host supports one. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Live transfer progress, a few times a second while a blob uploads. Optional: hosts that only
   * keep a log (CI systems) leave it out and still get one line per finished layer through `info`.
   */
  progress?(transfer: Transfer): void;
}

/** Bytes moved so far for one blob; `done` once it is confirmed, after which no update follows. */
export interface Transfer {
  /** Short id shown to users, e.g. the first 12 hex digits of a digest. */
  id: string;
  bytes: number;
  /** Total bytes when known beforehand (the source's size). */
  total?: number;
  done?: boolean;
}

/** The stable names of the workflow's outputs; hosts may spell them their own way. */
export type OutputName =
  | "imageUri"
  | "imageUris"
  | "digest"
  | "registry"
  | "repositoryCreated"
  // Retag and promote: the digest of the source image (equal to `digest` unless platforms were filtered).
  | "sourceDigest";

/** Where results go: step outputs, pipeline variables, an exported env file, a JSON object... */
export interface Outputs {
  set(name: OutputName, value: string): void;
}

/** Registers a value that must never appear in any log. Called before the value could be printed. */
export interface SecretMasker {
  mask(secret: string): void;
}

/** Time, injected so tests never wait for real back-off delays. */
export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** What the engine knows about a local image. */
export interface LocalImage {
  /** Full image ID, `sha256:<hex>`. */
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** The config's rootfs.diff_ids (sha256 of each uncompressed layer, base first), when known. */
  diffIds?: string[];
  /** The image's operating system (`linux`, `windows`), when known. */
  os?: string;
}

export interface PushProgress {
  /** One human-readable line of progress, e.g. `5f70bf18a086: Pushed`; absent for a live transfer update. */
  line?: string;
  /** A live byte count of one blob (engines that upload themselves). */
  transfer?: Transfer;
}

export interface PushedImage {
  /** Digest of the pushed manifest, `sha256:<64 hex>`. */
  digest: string;
  /** Manifest size in bytes when the engine reports it. */
  size?: number;
  /** Bytes of the pushed image (config and compressed layers) when the engine knows them. */
  imageSizeBytes?: number;
}

/** An image a repository holds: its manifest as stored. */
export interface StoredImage {
  digest: string;
  mediaType?: string;
  manifest: string;
}

/** What an engine that speaks to the registry itself needs to push every tag with one upload. */
export interface TagPushOptions {
  onProgress?: (progress: PushProgress) => void;
  signal?: AbortSignal;
  /** The image each target tag names now (undefined: none yet), in the targets' order. */
  current: readonly (StoredImage | undefined)[];
  /** The repository's most recently pushed images, newest first; asked at most once. */
  recent: () => Promise<StoredImage[]>;
  /** Which of the repository's tags cannot move: such a tag on another image is refused before any upload. */
  tagMutability: TagMutability;
}

export interface PushedTags extends PushedImage {
  /** The targets that already named this image: nothing was sent for them. */
  unchanged: string[];
}

/**
 * What an engine that speaks to the registry itself gets with its login: how the credentials are
 * renewed before they expire, and ECR's layer API for uploads a bad link keeps cutting.
 */
export interface RegistryAccess {
  /** When the password stops working. */
  expiresAt?: Date;
  /** Fresh credentials for the same registry, the password already masked. */
  refresh(): Promise<{ username: string; password: string; expiresAt?: Date }>;
  layerParts?: LayerPartsApi;
}

/**
 * A container engine able to push a local image. One instance serves one push: credentials
 * it receives live only until `dispose()`, which must be safe to call more than once and must
 * run even when the push failed.
 */
export interface ContainerEngine {
  /** Returns the image, or undefined when the engine has no image by that reference. */
  inspect(reference: string, signal?: AbortSignal): Promise<LocalImage | undefined>;
  /**
   * Logs in to `registry` (a host[:port]) with credentials that never reach argv, logs or disk
   * outside a temporary place. An engine that speaks to the registry itself uses `access` to
   * refresh them during a long push; one that cannot (docker) ignores it.
   */
  login(
    registry: string,
    username: string,
    password: string,
    signal?: AbortSignal,
    access?: RegistryAccess,
  ): Promise<void>;
  tag(source: string, target: string, signal?: AbortSignal): Promise<void>;
  push(
    target: string,
    onProgress?: (progress: PushProgress) => void,
    signal?: AbortSignal,
  ): Promise<PushedImage>;
  /**
   * Engines that speak to the registry themselves push every target in one go: they state each
   * tag first, send only what the repository lacks, and tag nothing locally (so `tag` is never
   * called for them). Engines without it (docker) are tagged and pushed one target at a time.
   */
  pushTags?(targets: readonly string[], options: TagPushOptions): Promise<PushedTags>;
  /** Removes a local tag or image; a missing image is not an error. */
  remove(reference: string, signal?: AbortSignal): Promise<void>;
  /** Forgets credentials and removes temporary files. Idempotent. */
  dispose(): Promise<void>;
}
