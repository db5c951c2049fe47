import type { EcrImage } from "../aws/ecr.js";
import { checkEndpointEnv } from "../aws/env.js";
import { throwIfNotActive } from "../aws/image-status.js";
import { checkRetryEnv } from "../aws/retry.js";
import { PushFailedError } from "../errors/index.js";
import { type ManifestDocument, sha256 } from "../oci/index.js";
import type { RetagRequest } from "../request/index.js";
import { immutableReason, isTagImmutable, resolveInputNames } from "../request/index.js";
import {
  isSelecting,
  notAnIndex,
  platformOf,
  rewriteIndex,
  selectionNote,
  selectManifests,
} from "../select/index.js";
import { type CopyDeps, type CopyEcrApi, type CopyResult, connectEcr } from "./copy-session.js";
import {
  abortedOr,
  checkAborted,
  setResultOutputs,
  startedNow,
  tagResultsOf,
  WorkflowErrorCodes,
} from "./steps.js";

export interface RetagResult extends CopyResult {
  /** New tags that already named the image: nothing was changed for them. */
  tagsUnchanged: string[];
}

/**
 * Adds tags to an image already in ECR: one BatchGetImage for the image and the tags asked for,
 * then one PutImage per tag that does not name it yet. No blob moves, whatever the image's size.
 * A tag already on the image is a no-op; an immutable tag on another image fails the whole retag
 * before any tag is written.
 */
export async function runRetag(request: RetagRequest, deps: CopyDeps): Promise<RetagResult> {
  const { logger, signal } = deps;
  const names = resolveInputNames(deps.inputNames);
  const started = deps.clock.now().getTime();
  let ecr: CopyEcrApi | undefined;
  try {
    checkAborted(signal);
    checkRetryEnv(deps.env);
    checkEndpointEnv(deps.env);
    const session = await connectEcr(deps, {
      region: request.region,
      dualStack: request.dualStack,
      credentials: request.credentials,
      label: "Destination",
    });
    ecr = session.ecr;
    const { region } = session;
    const { repository, registryId } = request;
    const sourceName =
      request.image.digest !== undefined
        ? `${repository}@${request.image.digest}`
        : `${repository}:${request.image.tag}`;
    // Three independent reads at once: the registry host, the repository's settings, the images.
    const auth = startedNow(ecr.getAuthorization(registryId));
    const details = startedNow(ecr.repositoryDetails(repository, registryId));
    const sourceId =
      request.image.digest !== undefined
        ? { imageDigest: request.image.digest }
        : { imageTag: request.image.tag };
    const images = startedNow(
      ecr.batchGetImages(repository, registryId, [
        sourceId,
        ...request.tags.map((imageTag) => ({ imageTag })),
      ]),
    );
    // DescribeImages answers for an archived image too (BatchGetImage does not return one).
    const status = startedNow(ecr.imageStatus(repository, registryId, sourceId));
    const described = await details;
    if (!described) {
      throw new PushFailedError(
        WorkflowErrorCodes.sourceImageNotFound,
        `The repository ${repository} does not exist in ${registryId ? `registry ${registryId}` : "the registry of these credentials"} (${region}): check ${names.source} and ${names.region}.`,
      );
    }
    const [found, ...current] = await images;
    // Before anything is written: an archived image (or one being restored) is one sentence.
    const known = await status;
    if (known) throwIfNotActive(known, { repository, registryId, region });
    if (!found) {
      throw new PushFailedError(
        WorkflowErrorCodes.sourceImageNotFound,
        `The image ${sourceName} was not found in ECR (${region}): check ${names.source} (aws ecr list-images lists the repository's images).`,
      );
    }
    const { note, ...source } = await selectedImage(found, request, ecr, {
      sourceName,
      platformName: names.platform,
    });
    const { tagMutability } = described;
    const taken = request.tags.find(
      (tag, i) => current[i] && current[i]?.digest !== source.digest && isTagImmutable(tagMutability, tag),
    );
    if (taken !== undefined) {
      throw new PushFailedError(
        "ImageTagAlreadyExists",
        `The tag ${taken} already exists in ${repository} on another image and ${immutableReason(tagMutability, taken)}: choose a new tag or make the repository's tags mutable.`,
      );
    }
    const tagsUnchanged: string[] = [];
    for (const [i, tag] of request.tags.entries()) {
      checkAborted(signal);
      const outcome =
        current[i]?.digest === source.digest
          ? "unchanged"
          : await ecr.putImage({ repository, registryId, image: source as EcrImage, tag, tagMutability });
      if (outcome === "unchanged") tagsUnchanged.push(tag);
      logger.info(
        `${repository}:${tag} ${outcome === "unchanged" ? "already names" : "now names"} ${source.digest}.`,
      );
    }
    if (note) logger.warn(note);
    const { registry } = await auth;
    const imageUris = request.tags.map((tag) => `${registry}/${repository}:${tag}`);
    const result: RetagResult = {
      imageUri: imageUris[0] ?? "",
      imageUris,
      digest: source.digest,
      sourceDigest: found.digest,
      registry,
      repository,
      tags: [...request.tags],
      registryId: described.registryId,
      region,
      repositoryCreated: false,
      sourceImageId: found.digest,
      imageSizeBytes: await ecr.imageSize(repository, registryId, source.digest),
      tagsUnchanged,
      tagResults: tagResultsOf(request.tags, imageUris, new Set(tagsUnchanged)),
    };
    setResultOutputs(deps.outputs, result);
    const seconds = ((deps.clock.now().getTime() - started) / 1000).toFixed(1);
    logger.info(
      `Tagged ${imageUris.join(", ")} (${source.digest}) in ${seconds} s; no layer was transferred.`,
    );
    return result;
  } catch (error) {
    throw abortedOr(error, signal);
  } finally {
    ecr?.destroy();
  }
}

/**
 * The image the new tags name: the source as it is, or (platform, dropAttestations) one image of
 * its index or the index without some entries. Either is already in the repository or refers only
 * to manifests that are, so no blob moves.
 */
async function selectedImage(
  found: EcrImage,
  request: RetagRequest,
  ecr: CopyEcrApi,
  context: { sourceName: string; platformName: string },
): Promise<EcrImage & { note?: string }> {
  const selection = { platforms: request.platforms, dropAttestations: request.dropAttestations };
  if (!isSelecting(selection)) return found;
  const doc = (() => {
    try {
      return JSON.parse(found.manifest) as ManifestDocument;
    } catch {
      return {};
    }
  })();
  if (!Array.isArray(doc.manifests)) {
    if (!request.platforms?.length) return found;
    throw notAnIndex(context.platformName, request.platforms, context.sourceName);
  }
  const selected = selectManifests(doc.manifests, selection, {
    reference: context.sourceName,
    platformName: context.platformName,
  });
  let image: EcrImage;
  if (selected.kind === "image") {
    const [child] = await ecr.batchGetImages(request.repository, request.registryId, [
      { imageDigest: selected.manifest.digest },
    ]);
    if (!child) {
      throw new PushFailedError(
        WorkflowErrorCodes.sourceImageNotFound,
        `The index ${context.sourceName} names the ${platformOf(selected.manifest)} image ${selected.manifest.digest}, which the repository does not hold: push the whole image again.`,
      );
    }
    image = child;
  } else if (!selected.changed) {
    return found;
  } else {
    const manifest = rewriteIndex(Buffer.from(found.manifest, "utf8"), selected.manifests);
    image = { digest: sha256(manifest), manifest: manifest.toString("utf8"), mediaType: found.mediaType };
  }
  const note = selectionNote(selected, found.digest, image.digest, selection, "tagged");
  return note ? { ...image, note } : image;
}
