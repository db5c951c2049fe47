// The ECR layer upload API: InitiateLayerUpload, UploadLayerPart (the bytes base64 in the JSON
// body), CompleteLayerUpload. A completed layer lands in the same blob store as a `/v2/` upload.
import { createHash } from "node:crypto";
import type { Context } from "../context.js";
import { invalidParameter, ServiceError } from "../errors.js";
import type { Upload } from "../store/blobs.js";
import type { RepositoryRecord } from "../store/store.js";
import { isDigest } from "../validation.js";
import {
  type Call,
  type Input,
  repositoryOf,
  requiredInteger,
  requiredList,
  requiredString,
} from "./input.js";

const MiB = 1024 * 1024;
/** ECR's quotas for layer parts sent through the API: 5 MiB to 10 MiB, except the last part. */
export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PART_BYTES = 10 * MiB;
/** What InitiateLayerUpload announces as partSize. */
const PART_SIZE = MAX_PART_BYTES;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function uploadOf(ctx: Context, repo: RepositoryRecord, input: Input): Upload {
  const uploadId = requiredString(input, "uploadId");
  const upload = ctx.store.blobs.upload(uploadId);
  // Uploads of the registry (`/v2/`) are not continued here, nor ones of another repository.
  if (!upload?.parts || upload.repository !== repo.name) {
    throw new ServiceError(
      "UploadNotFoundException",
      `Upload with id '${uploadId}' could not be found for the repository with name '${repo.name}' in the registry with id '${ctx.accountId}'`,
    );
  }
  return upload;
}

function layerPartBlob(input: Input): Buffer {
  const value = requiredString(input, "layerPartBlob");
  if (value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new ServiceError("SerializationException", "layerPartBlob is not base64-encoded binary data.");
  }
  return Buffer.from(value, "base64");
}

export const layerOperations = {
  InitiateLayerUpload(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const upload = ctx.store.blobs.startUpload(repo.name, true);
    return { uploadId: upload.id, partSize: PART_SIZE };
  },

  UploadLayerPart(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const firstByte = requiredInteger(input, "partFirstByte");
    const lastByte = requiredInteger(input, "partLastByte");
    const bytes = layerPartBlob(input);
    const upload = uploadOf(ctx, repo, input);
    const parts = upload.parts ?? { count: 0 };
    const where = { registryId: ctx.accountId, repositoryName: repo.name, uploadId: upload.id };
    const invalidPart = (message: string) =>
      new ServiceError("InvalidLayerPartException", message, 400, {
        ...where,
        lastValidByteReceived: upload.size - 1,
      });
    const answer = () => {
      ctx.stats.layerPartsReceived++;
      ctx.stats.layerPartBytesReceived += bytes.length;
      ctx.stats.blobBytesReceived += bytes.length;
      return { ...where, lastByteReceived: upload.size - 1 };
    };

    if (bytes.length === 0) throw invalidPart(`The layer part of upload '${upload.id}' is empty.`);
    if (lastByte - firstByte + 1 !== bytes.length) {
      throw invalidPart(
        `The layer part from byte ${firstByte} to byte ${lastByte} should have ${lastByte - firstByte + 1} bytes, it has ${bytes.length}.`,
      );
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const last = parts.last;
    // The part just accepted, sent again (a client whose answer was lost retries it). What ECR does
    // here is not documented; it is accepted again, without appending, when the bytes are the same.
    if (last && firstByte === last.firstByte && bytes.length === last.size && sha256 === last.sha256) {
      return answer();
    }
    if (firstByte !== upload.size) {
      throw invalidPart(
        `The layer part's first byte ${firstByte} is not consecutive to the last byte received, ${upload.size - 1}.`,
      );
    }
    if (bytes.length > MAX_PART_BYTES) {
      throw invalidPart(`Layer parts must be at most ${MAX_PART_BYTES} bytes; this one has ${bytes.length}.`);
    }
    // A part under 5 MiB is fine only as the last one, which is known once another part follows it.
    if (last && last.size < MIN_PART_BYTES) {
      throw new ServiceError(
        "LayerPartTooSmallException",
        `Layer parts must be at least 5 MiB in size; the part from byte ${last.firstByte} of upload '${upload.id}' has ${last.size} bytes and is not the last one.`,
      );
    }
    ctx.store.blobs.appendBytes(upload, bytes);
    parts.count++;
    parts.last = { firstByte, size: bytes.length, sha256 };
    return answer();
  },

  CompleteLayerUpload(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    const digests = requiredList<unknown>(input, "layerDigests", 100);
    for (const digest of digests) {
      if (!isDigest(digest)) {
        throw invalidParameter(
          `Invalid parameter at 'layerDigests' failed to satisfy constraint: 'Member must satisfy regular expression pattern: sha256:[a-f0-9]{64}', got '${String(digest)}'`,
        );
      }
    }
    const upload = uploadOf(ctx, repo, input);
    if (upload.size === 0) {
      throw new ServiceError(
        "EmptyUploadException",
        `The upload with id '${upload.id}' does not contain any layer parts.`,
      );
    }
    // Every part but the last is at least 5 MiB: UploadLayerPart refused a part after a smaller one.
    const digest = digests[0] as string;
    const size = upload.size;
    // The upload is gone after this, whatever the outcome (its digest is computed once).
    const same = digests.every((d) => d === digest);
    if (!same) ctx.store.blobs.cancel(upload);
    if (!same || !ctx.store.blobs.finish(upload, digest)) {
      throw new ServiceError(
        "InvalidLayerException",
        `The layer digest calculated for upload '${upload.id}' does not match the digest specified, '${digests.join(", ")}'.`,
      );
    }
    if (digest in repo.blobs) {
      // The same bytes were moved onto the stored ones: nothing changed.
      throw new ServiceError(
        "LayerAlreadyExistsException",
        `The layer with digest '${digest}' already exists in the repository with name '${repo.name}' in registry with id '${ctx.accountId}'`,
      );
    }
    ctx.store.addBlob(repo, digest, size);
    ctx.stats.blobsUploaded++;
    return { registryId: ctx.accountId, repositoryName: repo.name, uploadId: upload.id, layerDigest: digest };
  },
};
