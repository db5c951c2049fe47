import { type PushRequest, type PushResult, pushRequest } from "@ecr-push/core";
import type { ConsoleLogger } from "../host/console-logger.js";
import type { CliIO } from "../io.js";
import { cliHost } from "./common.js";
import { CLI_INPUT_NAMES } from "./push.js";

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
};

/** Maps the CLI onto the host ports and runs the shared push job. */
export async function runPushForCli(
  request: PushRequest,
  context: { io: CliIO; logger: ConsoleLogger; dockerPath: string | undefined },
): Promise<PushJson> {
  const { io, logger } = context;
  const result = await pushRequest(request, cliHost(io, logger, CLI_INPUT_NAMES, context.dockerPath));
  const picked = Object.fromEntries(JSON_FIELDS.map((field) => [field, result[field]]));
  return { ...picked, imageSizeBytes: result.imageSizeBytes ?? null } as PushJson;
}
