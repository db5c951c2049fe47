import { createDockerEngine, type PushRequest, type PushResult, runPush } from "@ecr-push/core";
import type { ConsoleLogger } from "../host/console-logger.js";
import type { CliIO } from "../io.js";
import { CLI_INPUT_NAMES } from "./push.js";

/** The stable `--json` fields, documented in the README: fields are only ever added, never renamed. */
const JSON_FIELDS = [
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

export type PushJson = Pick<PushResult, (typeof JSON_FIELDS)[number]>;

/** Composes the CLI's ports and runs the shared workflow. */
export async function runPushForCli(
  request: PushRequest,
  context: { io: CliIO; logger: ConsoleLogger; dockerPath: string | undefined },
): Promise<PushJson> {
  const { io, logger } = context;
  const engine = createDockerEngine({
    env: io.env,
    dockerPath: context.dockerPath,
    debug: (line) => logger.debug(line),
  });
  const result: PushResult = await runPush(request, {
    logger,
    secrets: logger,
    // The CLI prints its result once at the end (text or --json), so outputs need no live sink.
    outputs: { set: () => {} },
    engine,
    clock: {
      now: () => new Date(),
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        }),
    },
    env: io.env,
    signal: io.signal,
    inputNames: CLI_INPUT_NAMES,
  });
  return Object.fromEntries(JSON_FIELDS.map((field) => [field, result[field]])) as PushJson;
}
