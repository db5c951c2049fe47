import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { invalidParameter, ServiceError } from "../errors.js";
import { isTag } from "../validation.js";
import { BlobFiles } from "./blobs.js";
import { missingReferences, parseManifest } from "./manifest.js";

export type ImageTagMutability =
  | "MUTABLE"
  | "IMMUTABLE"
  | "IMMUTABLE_WITH_EXCLUSION"
  | "MUTABLE_WITH_EXCLUSION";

export interface RepositorySettings {
  imageTagMutability: ImageTagMutability;
  /** WILDCARD filters of a `_WITH_EXCLUSION` mode (absent in state files written before them). */
  imageTagMutabilityExclusionFilters?: { filterType: "WILDCARD"; filter: string }[];
  scanOnPush: boolean;
  encryptionType: "AES256" | "KMS";
  kmsKey?: string;
  tags: { Key: string; Value: string }[];
}

export interface ImageRecord {
  digest: string;
  mediaType: string;
  manifestSize: number;
  /** Config plus layers, or the sum of the children for an index. */
  sizeInBytes: number;
  pushedAt: number;
  artifactMediaType?: string;
  /** ECR's imageStatus; absent means ACTIVE (images stored before storage classes existed here). */
  status?: ImageStatus;
  lastArchivedAt?: number;
  lastActivatedAt?: number;
  /** While ACTIVATING: when the restore completes (ms). */
  activeAt?: number;
}

/**
 * ECR's image statuses: ACTIVE (standard storage), ARCHIVED (archive storage: described and listed
 * on request, never pulled) and ACTIVATING (being restored to standard storage).
 */
export type ImageStatus = "ACTIVE" | "ARCHIVED" | "ACTIVATING";

export interface RepositoryRecord extends RepositorySettings {
  name: string;
  createdAt: number;
  /** Blobs pushed into this repository (ECR does not share layers across repositories), digest -> size. */
  blobs: Record<string, number>;
  images: Record<string, ImageRecord>;
  /** tag -> digest */
  imageTags: Record<string, string>;
  /** Set by PutLifecyclePolicy / SetRepositoryPolicy, as given. */
  lifecyclePolicyText?: string;
  repositoryPolicyText?: string;
}

/** Whether ECR refuses to move `tag`, by the repository's mode and exclusion filters (`*` matches any run). */
export function isTagImmutable(repo: RepositorySettings, tag: string): boolean {
  const excluded = (repo.imageTagMutabilityExclusionFilters ?? []).some(({ filter }) =>
    new RegExp(`^${filter.split("*").map(escapeRegExp).join(".*")}$`).test(tag),
  );
  if (repo.imageTagMutability === "IMMUTABLE") return true;
  if (repo.imageTagMutability === "IMMUTABLE_WITH_EXCLUSION") return !excluded;
  if (repo.imageTagMutability === "MUTABLE_WITH_EXCLUSION") return excluded;
  return false;
}

const escapeRegExp = (text: string) => text.replace(/[.\\^$+?()[\]{}|-]/g, "\\$&");

export interface ImageRef {
  imageDigest?: string;
  imageTag?: string;
}

/**
 * Repositories and their images: the one store both the control plane and the registry use. The
 * metadata lives in `<dataDir>/state.json` (rewritten on every change), content in BlobFiles.
 */
export class Store {
  readonly blobs: BlobFiles;
  private readonly stateFile: string;
  private readonly repositories = new Map<string, RepositoryRecord>();

  /** How long a restore (UpdateImageStorageClass to STANDARD) stays ACTIVATING, in ms. */
  restoreDelayMs = 0;

  constructor(
    dataDir: string,
    private readonly accountId: string,
    private readonly now: () => number = Date.now,
  ) {
    this.blobs = new BlobFiles(dataDir);
    this.stateFile = path.join(dataDir, "state.json");
    if (existsSync(this.stateFile)) {
      const state = JSON.parse(readFileSync(this.stateFile, "utf8")) as { repositories: RepositoryRecord[] };
      for (const repo of state.repositories) this.repositories.set(repo.name, repo);
    }
  }

  list(): RepositoryRecord[] {
    return [...this.repositories.values()];
  }

  find(name: string): RepositoryRecord | undefined {
    return this.repositories.get(name);
  }

  get(name: string): RepositoryRecord {
    const repo = this.repositories.get(name);
    if (!repo) throw repositoryNotFound(name, this.accountId);
    return repo;
  }

  create(name: string, settings: RepositorySettings): RepositoryRecord {
    if (this.repositories.has(name)) {
      throw new ServiceError(
        "RepositoryAlreadyExistsException",
        `The repository with name '${name}' already exists in the registry with id '${this.accountId}'`,
      );
    }
    const repo: RepositoryRecord = {
      ...settings,
      name,
      createdAt: Date.now(),
      blobs: {},
      images: {},
      imageTags: {},
    };
    this.repositories.set(name, repo);
    this.save();
    return repo;
  }

  delete(name: string, force: boolean): RepositoryRecord {
    const repo = this.get(name);
    if (!force && Object.keys(repo.images).length > 0) {
      throw new ServiceError(
        "RepositoryNotEmptyException",
        `The repository with name '${name}' in registry with id '${this.accountId}' cannot be deleted because it still contains images`,
      );
    }
    this.repositories.delete(name);
    this.save();
    return repo;
  }

  /** Changes a repository's settings or policies and saves them. */
  update(
    repo: RepositoryRecord,
    change: Partial<
      Pick<RepositoryRecord, keyof RepositorySettings | "lifecyclePolicyText" | "repositoryPolicyText">
    >,
  ): RepositoryRecord {
    Object.assign(repo, change);
    this.save();
    return repo;
  }

  addBlob(repo: RepositoryRecord, digest: string, size: number): void {
    repo.blobs[digest] = size;
    this.save();
  }

  /** The image a digest and/or tag names; with both, the tag must point at the digest. */
  resolve(repo: RepositoryRecord, ref: ImageRef): ImageRecord | undefined {
    const digest = ref.imageTag === undefined ? ref.imageDigest : repo.imageTags[ref.imageTag];
    if (!digest || (ref.imageDigest !== undefined && ref.imageDigest !== digest)) return undefined;
    return repo.images[digest];
  }

  /** The image's status now: a restore whose time has come is complete. */
  statusOf(image: ImageRecord): ImageStatus {
    if (image.status === "ACTIVATING" && (image.activeAt ?? 0) <= this.now()) {
      image.status = "ACTIVE";
      image.lastActivatedAt = image.activeAt ?? this.now();
      delete image.activeAt;
      this.save();
    }
    return image.status ?? "ACTIVE";
  }

  /**
   * UpdateImageStorageClass: ARCHIVE moves an ACTIVE image to the archive; STANDARD starts a
   * restore (ACTIVATING for restoreDelayMs, then ACTIVE). Asking for the class it is in, or is
   * moving to, changes nothing. Archiving an image still being restored is refused.
   */
  setStorageClass(image: ImageRecord, target: "STANDARD" | "ARCHIVE"): ImageStatus {
    const status = this.statusOf(image);
    if (target === "ARCHIVE") {
      if (status === "ACTIVATING") {
        throw new ServiceError(
          "ImageStorageClassUpdateNotSupportedException",
          `The image with digest '${image.digest}' is being restored and cannot be archived until the restore completes.`,
        );
      }
      if (status === "ACTIVE") {
        image.status = "ARCHIVED";
        image.lastArchivedAt = this.now();
      }
    } else if (status === "ARCHIVED") {
      image.status = "ACTIVATING";
      image.activeAt = this.now() + this.restoreDelayMs;
    } else if (status === "ACTIVATING") {
      // Asked again: done no later than a restore asked now would be (tests shorten a long one).
      image.activeAt = Math.min(image.activeAt ?? 0, this.now() + this.restoreDelayMs);
    }
    this.save();
    return image.status ?? "ACTIVE";
  }

  tagsOf(repo: RepositoryRecord, digest: string): string[] {
    return Object.keys(repo.imageTags)
      .filter((tag) => repo.imageTags[tag] === digest)
      .sort();
  }

  /**
   * Stores a manifest (and tags it) after checking what it refers to and the tag's mutability.
   * `changed` is false when the image, and the tag if any, were already there.
   */
  putImage(
    repo: RepositoryRecord,
    bytes: Uint8Array,
    options: { mediaType?: string; tag?: string; digest?: string },
  ): { image: ImageRecord; changed: boolean } {
    const info = parseManifest(bytes, options.mediaType);
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (options.digest !== undefined && options.digest !== digest) {
      throw new ServiceError(
        "ImageDigestDoesNotMatchException",
        `The provided image digest '${options.digest}' does not match the calculated digest '${digest}'`,
      );
    }
    if (options.tag !== undefined && !isTag(options.tag)) {
      throw invalidParameter(
        `Invalid parameter at 'imageTag' failed to satisfy constraint: 'must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'`,
      );
    }
    const missing = missingReferences(
      info,
      (d) => d in repo.blobs && this.blobs.exists(d),
      (d) => d in repo.images,
    );
    const where = `repository with name '${repo.name}' in registry with id '${this.accountId}'`;
    if (missing.blobs.length > 0) {
      throw new ServiceError(
        "LayersNotFoundException",
        `Layers with digests '[${missing.blobs.join(", ")}]' required for pushing image into ${where} do not exist`,
      );
    }
    if (missing.manifests.length > 0) {
      throw new ServiceError(
        "ReferencedImagesNotFoundException",
        `Manifests with digests '[${missing.manifests.join(", ")}]' referenced by the image do not exist in the ${where}`,
      );
    }
    const current = options.tag === undefined ? undefined : repo.imageTags[options.tag];
    if (current !== undefined && current !== digest && isTagImmutable(repo, options.tag ?? "")) {
      throw new ServiceError(
        "ImageTagAlreadyExistsException",
        `The image tag '${options.tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the repository is immutable.`,
      );
    }
    const existing = repo.images[digest];
    // Pushing an archived image again restores it at once, as ECR documents.
    const restored = existing !== undefined && this.statusOf(existing) !== "ACTIVE";
    if (existing && restored) {
      existing.status = "ACTIVE";
      existing.lastActivatedAt = this.now();
      delete existing.activeAt;
    }
    const changed = !existing || restored || (options.tag !== undefined && current !== digest);
    const image = existing ?? {
      digest,
      mediaType: info.mediaType,
      manifestSize: bytes.length,
      sizeInBytes:
        info.manifests.length > 0
          ? info.manifests.reduce((sum, m) => sum + (repo.images[m.digest]?.sizeInBytes ?? 0), 0)
          : info.blobs.reduce((sum, b) => sum + b.size, 0),
      pushedAt: this.now(),
      ...(info.artifactMediaType ? { artifactMediaType: info.artifactMediaType } : {}),
    };
    if (changed) {
      this.blobs.write(bytes);
      repo.images[digest] = image;
      if (options.tag !== undefined) repo.imageTags[options.tag] = digest;
      this.save();
    }
    return { image, changed };
  }

  /** Deleting by digest removes the image and its tags; by tag, the tag (and the image with its last tag). */
  deleteImage(repo: RepositoryRecord, ref: ImageRef): { imageDigest: string; imageTag?: string } | undefined {
    const image = this.resolve(repo, ref);
    if (!image) return undefined;
    const tags = ref.imageTag !== undefined ? [ref.imageTag] : this.tagsOf(repo, image.digest);
    for (const tag of tags) delete repo.imageTags[tag];
    if (ref.imageTag === undefined || this.tagsOf(repo, image.digest).length === 0)
      delete repo.images[image.digest];
    this.save();
    return { imageDigest: image.digest, ...(ref.imageTag !== undefined ? { imageTag: ref.imageTag } : {}) };
  }

  readManifest(image: ImageRecord): Buffer {
    return this.blobs.read(image.digest);
  }

  private save(): void {
    const temp = `${this.stateFile}.tmp`;
    writeFileSync(temp, JSON.stringify({ repositories: this.list() }));
    renameSync(temp, this.stateFile);
  }
}

export function repositoryNotFound(name: string, registryId: string): ServiceError {
  return new ServiceError(
    "RepositoryNotFoundException",
    `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
  );
}
