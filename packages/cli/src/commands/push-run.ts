import { type PushRequest, type PushResult, pushRequest, type TagResult } from "@ecr-push/core";
import type { ConsoleLogger } from "../host/console-logger.js";
import type { CliIO } from "../io.js";
import { cliHost } from "./common.js";
import { CLI_INPUT_NAMES } from "./inputs.js";

/** The stable `--json` fields, documented in the README: fields are only ever added, never renamed. */
export const JSON_FIELDS = [
  "imageUri",
  "imageUris",
  "digest",
  "registry",
  "repository",
  "tags",
  "registryId",
  "region",
  "repositoryCreated",
] as const satisfies readonly (keyof PushResult)[];

export type PushJson = Pick<PushResult, (typeof JSON_FIELDS)[number]> & {
  /** Bytes of the pushed image (config and compressed layers); null when ECR does not say. */
  imageSizeBytes: number | null;
  /** Each tag, in the order given: its URI and whether it was `pushed` now or was `unchanged`. */
  tagResults: Pick<TagResult, "tag" | "imageUri" | "status">[];
};

/** Push's stable --json fields of a result (retag and promote report what push reports, and more). */
export function pushJsonOf(result: PushResult): PushJson {
  const picked = Object.fromEntries(JSON_FIELDS.map((field) => [field, result[field]]));
  return {
    ...picked,
    imageSizeBytes: result.imageSizeBytes ?? null,
    // Field by field: whatever core adds to a tag's result does not leak into the stable document.
    tagResults: result.tagResults.map(({ tag, imageUri, status }) => ({ tag, imageUri, status })),
  } as PushJson;
}

/** Maps the CLI onto the host ports and runs the shared push job. */
export async function runPushForCli(
  request: PushRequest,
  context: { io: CliIO; logger: ConsoleLogger; dockerPath: string | undefined },
): Promise<PushJson> {
  const { io, logger } = context;
  return pushJsonOf(await pushRequest(request, cliHost(io, logger, CLI_INPUT_NAMES, context.dockerPath)));
}
