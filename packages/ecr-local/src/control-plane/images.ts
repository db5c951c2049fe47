import type { Context } from "../context.js";
import { invalidParameter, ServiceError } from "../errors.js";
import type { ImageRecord, ImageRef, RepositoryRecord } from "../store/store.js";
import { isDigest, isTag } from "../validation.js";
import {
  type Call,
  epochSeconds,
  type Input,
  optionalList,
  optionalObject,
  optionalString,
  paginate,
  repositoryOf,
  requiredList,
  requiredString,
} from "./input.js";

interface Failure {
  failureCode: string;
  failureReason: string;
}

/** Why an imageId in a batch is unusable, in BatchGetImage/BatchDeleteImage's failure terms. */
function badImageId(id: ImageRef | null): Failure | undefined {
  if (!id || (id.imageDigest === undefined && id.imageTag === undefined)) {
    return { failureCode: "MissingDigestAndTag", failureReason: "Missing digest and tag" };
  }
  if (id.imageDigest !== undefined && !isDigest(id.imageDigest)) {
    return {
      failureCode: "InvalidImageDigest",
      failureReason:
        "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
    };
  }
  if (id.imageTag !== undefined && !isTag(id.imageTag)) {
    return {
      failureCode: "InvalidImageTag",
      failureReason: "Invalid request parameters: image tag is invalid",
    };
  }
  return undefined;
}

const imageNotFound: Failure = { failureCode: "ImageNotFound", failureReason: "Requested image not found" };

/** Runs `each` on every usable imageId, collecting ECR-style failures for the others. */
function batch<T>(ids: ImageRef[], each: (id: ImageRef) => T | Failure): { done: T[]; failures: object[] } {
  const done: T[] = [];
  const failures: object[] = [];
  for (const imageId of ids) {
    const result = badImageId(imageId) ?? each(imageId);
    if (result && typeof result === "object" && "failureCode" in result)
      failures.push({ imageId, ...result });
    else done.push(result as T);
  }
  return { done, failures };
}

function imageNotFoundException(ctx: Context, repo: RepositoryRecord, id: ImageRef | null): ServiceError {
  return new ServiceError(
    "ImageNotFoundException",
    `The image with imageId {imageDigest:'${id?.imageDigest ?? "null"}', imageTag:'${id?.imageTag ?? "null"}'} does not exist within the repository with name '${repo.name}' in the registry with id '${ctx.accountId}'`,
  );
}

function tagFilter(input: Input): (tagged: boolean) => boolean {
  const status = optionalString(optionalObject(input, "filter"), "tagStatus") ?? "ANY";
  if (status !== "ANY" && status !== "TAGGED" && status !== "UNTAGGED") {
    throw invalidParameter("Invalid parameter at 'filter.tagStatus': must be one of TAGGED, UNTAGGED, ANY");
  }
  return (tagged) => status === "ANY" || tagged === (status === "TAGGED");
}

const IMAGE_STATUSES = ["ACTIVE", "ARCHIVED", "ACTIVATING", "ANY"];

/** filter.imageStatus of DescribeImages and ListImages: ACTIVE unless asked (ANY: all). */
function statusFilter(ctx: Context, input: Input): (image: ImageRecord) => boolean {
  const status = optionalString(optionalObject(input, "filter"), "imageStatus") ?? "ACTIVE";
  if (!IMAGE_STATUSES.includes(status)) {
    throw invalidParameter(
      "Invalid parameter at 'filter.imageStatus': must be one of ACTIVE, ARCHIVED, ACTIVATING, ANY",
    );
  }
  return (image) => status === "ANY" || ctx.store.statusOf(image) === status;
}

function imagesOf(repo: RepositoryRecord): ImageRecord[] {
  return Object.values(repo.images).sort((a, b) => a.pushedAt - b.pushedAt);
}

function imageJson(ctx: Context, repo: RepositoryRecord, image: ImageRecord, imageTag?: string) {
  return {
    registryId: ctx.accountId,
    repositoryName: repo.name,
    imageId: { imageDigest: image.digest, ...(imageTag !== undefined ? { imageTag } : {}) },
    imageManifest: ctx.store.readManifest(image).toString("utf8"),
    imageManifestMediaType: image.mediaType,
  };
}

export const imageOperations = {
  DescribeImages(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const ids = optionalList<ImageRef>(input, "imageIds", 100);
    const wanted = tagFilter(input);
    // Images named by imageIds are described whatever their status (an archived one too).
    const inStatus = ids ? () => true : statusFilter(ctx, input);
    const images = ids
      ? ids.map((id) => {
          const image = ctx.store.resolve(repo, id ?? {});
          if (!image) throw imageNotFoundException(ctx, repo, id);
          return image;
        })
      : imagesOf(repo).filter(inStatus);
    const details = images
      .map((image) => ({ image, tags: ctx.store.tagsOf(repo, image.digest) }))
      .filter(({ tags }) => wanted(tags.length > 0))
      .map(({ image, tags }) => ({
        registryId: ctx.accountId,
        repositoryName: repo.name,
        imageDigest: image.digest,
        ...(tags.length > 0 ? { imageTags: tags } : {}),
        imageSizeInBytes: image.sizeInBytes,
        imagePushedAt: epochSeconds(image.pushedAt),
        imageManifestMediaType: image.mediaType,
        ...(image.artifactMediaType ? { artifactMediaType: image.artifactMediaType } : {}),
        imageStatus: ctx.store.statusOf(image),
        ...(image.lastArchivedAt ? { lastArchivedAt: epochSeconds(image.lastArchivedAt) } : {}),
        ...(image.lastActivatedAt ? { lastActivatedAt: epochSeconds(image.lastActivatedAt) } : {}),
      }));
    const { page, nextToken } = paginate(details, input);
    return { imageDetails: page, ...(nextToken ? { nextToken } : {}) };
  },

  ListImages(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const wanted = tagFilter(input);
    const inStatus = statusFilter(ctx, input);
    const ids = imagesOf(repo)
      .filter(inStatus)
      .flatMap((image) => {
        const tags = ctx.store.tagsOf(repo, image.digest);
        if (!wanted(tags.length > 0)) return [];
        return tags.length > 0
          ? tags.map((imageTag) => ({ imageDigest: image.digest, imageTag }))
          : [{ imageDigest: image.digest }];
      });
    const { page, nextToken } = paginate(ids, input);
    return { imageIds: page, ...(nextToken ? { nextToken } : {}) };
  },

  BatchGetImage(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const accepted = optionalList<string>(input, "acceptedMediaTypes", 100);
    const { done, failures } = batch(requiredList<ImageRef>(input, "imageIds"), (id) => {
      const image = ctx.store.resolve(repo, id);
      // Only an ACTIVE image can be pulled; an archived one answers as a missing one would.
      if (!image || ctx.store.statusOf(image) !== "ACTIVE") return imageNotFound;
      if (accepted && !accepted.includes(image.mediaType)) {
        return {
          failureCode: "UnsupportedImageType",
          failureReason: `Image media type '${image.mediaType}' is not accepted`,
        };
      }
      return imageJson(ctx, repo, image, id.imageTag);
    });
    return { images: done, failures };
  },

  PutImage(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const manifest = requiredString(input, "imageManifest");
    const tag = optionalString(input, "imageTag");
    const { image, changed } = ctx.store.putImage(repo, Buffer.from(manifest, "utf8"), {
      mediaType: optionalString(input, "imageManifestMediaType"),
      tag,
      digest: optionalString(input, "imageDigest"),
    });
    if (!changed) {
      throw new ServiceError(
        "ImageAlreadyExistsException",
        `Image with digest '${image.digest}' and tag '${tag ?? "null"}' already exists in the repository with name '${repo.name}' in registry with id '${ctx.accountId}'`,
      );
    }
    return { image: imageJson(ctx, repo, image, tag) };
  },

  /** Moves an image to the archive storage class or restores it (ECR, 2025). */
  UpdateImageStorageClass(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const id = optionalObject(input, "imageId") as ImageRef;
    const target = requiredString(input, "targetStorageClass");
    if (target !== "STANDARD" && target !== "ARCHIVE") {
      throw new ServiceError(
        "ValidationException",
        `1 validation error detected: Value '${target}' at 'targetStorageClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, ARCHIVE]`,
      );
    }
    const bad = badImageId(id);
    if (bad) throw invalidParameter(bad.failureReason);
    const image = ctx.store.resolve(repo, id);
    if (!image) throw imageNotFoundException(ctx, repo, id);
    const imageStatus = ctx.store.setStorageClass(image, target);
    return {
      registryId: ctx.accountId,
      repositoryName: repo.name,
      imageId: { imageDigest: image.digest, ...(id.imageTag !== undefined ? { imageTag: id.imageTag } : {}) },
      imageStatus,
    };
  },

  BatchDeleteImage(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const { done, failures } = batch(
      requiredList<ImageRef>(input, "imageIds"),
      (id) => ctx.store.deleteImage(repo, id) ?? imageNotFound,
    );
    return { imageIds: done, failures };
  },

  BatchCheckLayerAvailability(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const layers: object[] = [];
    const failures: object[] = [];
    for (const layerDigest of requiredList<string>(input, "layerDigests")) {
      const size = repo.blobs[layerDigest];
      if (!isDigest(layerDigest)) {
        failures.push({
          layerDigest,
          failureCode: "InvalidLayerDigest",
          failureReason: "Invalid layer digest",
        });
      } else if (size === undefined || !ctx.store.blobs.exists(layerDigest)) {
        failures.push({
          layerDigest,
          failureCode: "MissingLayerDigest",
          failureReason: "Could not find layer",
        });
      } else {
        layers.push({ layerDigest, layerAvailability: "AVAILABLE", layerSize: size });
      }
    }
    return { layers, failures };
  },
};
