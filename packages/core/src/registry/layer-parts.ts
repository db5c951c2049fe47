import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { LayerApiError } from "./errors.js";

/**
 * ECR's layer API: the one resumable upload ECR supports (its registry API cannot resume a PATCH).
 * A blob goes up in parts of 5 to 10 MiB, each its own signed call, retried alone; the JSON body
 * carries a part base64-encoded, a third more bytes than a PATCH. Implemented in aws/ with the SDK.
 */
export interface LayerPartsApi {
  initiate(repository: string): Promise<{ uploadId: string; partSize: number }>;
  /** Bytes `first` to `last` (inclusive) of the blob. */
  uploadPart(
    repository: string,
    uploadId: string,
    first: number,
    last: number,
    bytes: Uint8Array,
  ): Promise<void>;
  /** Commits the upload as `digest`; resolves too when the repository has the layer already. */
  complete(repository: string, uploadId: string, digest: string): Promise<void>;
}

/**
 * A PATCH that failed after sending this much moves its blob to the layer API: on a link that
 * cuts long transfers, sending the whole blob again would likely be cut again, while a part is
 * lost at most. Below it a new PATCH costs less than a part's base64 and signing would save.
 */
export const LAYER_API_AFTER_BYTES = 10 * 1024 * 1024;

/** ECR's part bounds: at least 5 MiB except the last part, at most 10 MiB. */
const MIN_PART = 5 * 1024 * 1024;
const MAX_PART = 10 * 1024 * 1024;

/** Runs one call of the upload with its retries; a success is progress. */
export type Step = <T>(what: string, call: () => Promise<T>) => Promise<T>;

/**
 * Uploads one blob through a layer upload already started, reading `open()` once: each part is kept until accepted,
 * so a part retried is the same bytes without reading the source again. With `expected`, the
 * digest and size are checked before the upload is completed.
 */
export async function uploadInParts(
  api: LayerPartsApi,
  repository: string,
  started: { uploadId: string; partSize: number },
  open: () => Readable,
  expected: { digest: string; size: number } | undefined,
  step: Step,
): Promise<{ digest: string; size: number }> {
  const { uploadId, partSize: offered } = started;
  const partSize = Math.min(MAX_PART, Math.max(MIN_PART, offered || MAX_PART));
  const hash = createHash("sha256");
  let sent = 0;
  const send = async (part: Buffer) => {
    const first = sent;
    const last = sent + part.length - 1;
    await step(`uploading bytes ${first}-${last}`, async () => {
      try {
        await api.uploadPart(repository, uploadId, first, last, part);
      } catch (error) {
        // The part landed but its answer was lost: ECR already holds it.
        if (error instanceof LayerApiError && error.lastValidByteReceived === last) return;
        throw error;
      }
    });
    sent += part.length;
  };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of open() as AsyncIterable<Buffer>) {
    hash.update(chunk);
    pending.push(chunk);
    pendingBytes += chunk.length;
    while (pendingBytes >= partSize) {
      const joined = Buffer.concat(pending);
      await send(joined.subarray(0, partSize));
      pending = [joined.subarray(partSize)];
      pendingBytes = joined.length - partSize;
    }
  }
  if (pendingBytes > 0) await send(Buffer.concat(pending));
  const digest = `sha256:${hash.digest("hex")}`;
  if (expected && (digest !== expected.digest || sent !== expected.size)) {
    throw Object.assign(new Error(`the data read has digest ${digest}, not ${expected.digest}`), {
      code: "SOURCE_CHANGED",
    });
  }
  await step("completing a layer upload", () => api.complete(repository, uploadId, digest));
  return { digest, size: sent };
}
