import path from "node:path";
import { asEcrPushError, parseCommand, runCommand } from "@ecr-push/core";
import { CODEFRESH_INPUT_NAMES, SECRET_ARGUMENTS, secretArguments, stepInputs } from "./inputs.js";
import { StepLogger, type StepWriters } from "./log.js";
import { exportOutputs } from "./outputs.js";

/** What the step needs from its process; tests pass their own. */
export interface StepIO extends StepWriters {
  env: Record<string, string | undefined>;
  /** Fired by SIGINT/SIGTERM, so the push cleans up before the step ends. */
  signal?: AbortSignal;
}

/**
 * Runs the step: the arguments (environment variables) onto core's inputs, the log onto stdout and
 * stderr, the results onto Codefresh's exported variables. SOURCE (or an IMAGE of docker://...)
 * promotes an image from a registry instead of pushing a local one. Returns the exit code: 0 pushed,
 * 2 invalid input (nothing was sent anywhere), 1 any other failure.
 */
export async function runStep(io: StepIO): Promise<number> {
  const logger = new StepLogger(io);
  // Core masks the credentials it resolves and reads (IRSA token files too); these are the step's own.
  for (const secret of secretArguments(io.env)) logger.mask(secret);
  try {
    const result = await runCommand(parseCommand(stepInputs(io.env), CODEFRESH_INPUT_NAMES), {
      logger,
      secrets: logger,
      // Exports are written once from the result, after the push succeeded.
      outputs: { set: () => {} },
      env: io.env,
      signal: io.signal,
      inputNames: CODEFRESH_INPUT_NAMES,
      cacheDir: stepCacheDir(io.env),
      secretVariables: SECRET_ARGUMENTS,
    });
    exportOutputs(result, io.env, logger);
    return 0;
  } catch (error) {
    const failure = asEcrPushError(error);
    logger.error(failure.message);
    return failure.kind === "input" ? 2 : 1;
  }
}

/**
 * Where the registry engine keeps its layer cache: `.ecr-push-cache` on the pipeline's shared
 * volume (CF_VOLUME_PATH), which Codefresh keeps between builds of the pipeline; none without it.
 */
export function stepCacheDir(env: Record<string, string | undefined>): string | undefined {
  const volume = env.CF_VOLUME_PATH?.trim();
  return volume ? path.join(volume, ".ecr-push-cache") : undefined;
}
