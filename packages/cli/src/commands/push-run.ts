import { createDockerEngine, type PushRequest, type PushResult, runPush } from "@ecr-push/core";
import type { ConsoleLogger } from "../host/console-logger.js";
import type { CliIO } from "../io.js";
import { CLI_INPUT_NAMES } from "./push.js";

/** The stable `--json` document; documented in the README. Fields are only ever added. */
export interface PushJson {
  imageUri: string;
  imageUris: string[];
  digest: string;
  registry: string;
  repository: string;
  tags: string[];
  registryId: string;
  region: string;
  repositoryCreated: boolean;
}

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
  return {
    imageUri: result.imageUri,
    imageUris: result.imageUris,
    digest: result.digest,
    registry: result.registry,
    repository: result.repository,
    tags: result.tags,
    registryId: result.registryId,
    region: result.region,
    repositoryCreated: result.repositoryCreated,
  };
}
