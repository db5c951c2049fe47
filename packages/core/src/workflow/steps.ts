// What push, retag and promote share as workflows: error codes, cancellation, early-started steps
// and the outputs every host sets.
import { isEcrPushError, PushFailedError } from "../errors/index.js";
import type { Outputs } from "../ports/index.js";

export const WorkflowErrorCodes = {
  sourceImageNotFound: "SourceImageNotFound",
  digestMismatch: "DigestMismatch",
  aborted: "Aborted",
} as const;

/** Stops between steps once the host has cancelled. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw aborted(signal.reason);
}

/** Whatever an aborted step threw (a failed request, a region not found), the cause is the abort. */
export function abortedOr(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted && !(isEcrPushError(error) && error.code === WorkflowErrorCodes.aborted)) {
    return aborted(error);
  }
  return error;
}

function aborted(cause: unknown): PushFailedError {
  return new PushFailedError(WorkflowErrorCodes.aborted, "The push was cancelled.", { cause });
}

/**
 * A step started early and awaited later: its failure surfaces where it is awaited, never as an
 * unhandled rejection in between.
 */
export function startedNow<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** The outputs of a push, a retag or a promote (the last two add the source's digest). */
export function setResultOutputs(
  outputs: Outputs,
  result: {
    imageUri: string;
    imageUris: string[];
    digest: string;
    registry: string;
    repositoryCreated: boolean;
    sourceDigest?: string;
  },
): void {
  outputs.set("imageUri", result.imageUri);
  outputs.set("imageUris", result.imageUris.join("\n"));
  outputs.set("digest", result.digest);
  outputs.set("registry", result.registry);
  outputs.set("repositoryCreated", String(result.repositoryCreated));
  if (result.sourceDigest !== undefined) outputs.set("sourceDigest", result.sourceDigest);
}

/** Each tag with its URI and whether it was pushed now or already named the image. */
export function tagResultsOf(
  tags: readonly string[],
  imageUris: readonly string[],
  unchanged: ReadonlySet<string> = new Set(),
): { tag: string; imageUri: string; status: "pushed" | "unchanged" }[] {
  return tags.map((tag, i) => ({
    tag,
    imageUri: imageUris[i] ?? "",
    status: unchanged.has(tag) ? "unchanged" : "pushed",
  }));
}
