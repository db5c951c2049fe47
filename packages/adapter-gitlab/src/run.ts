import path from "node:path";
import { asEcrPushError, parseCommand, runCommand } from "@ecr-push/core";
import { GITLAB_INPUT_NAMES, idToken, jobInputs, secretInputs, secretVariables } from "./inputs.js";
import { JobLog, type LogWriters } from "./log.js";
import { writeDotenv } from "./outputs.js";

/** What the job needs from its process; tests pass their own. */
export interface JobIO extends LogWriters {
  env: Record<string, string | undefined>;
  /** Fired by SIGINT/SIGTERM, so the push cleans up before the job ends. */
  signal?: AbortSignal;
}

/**
 * Runs the component's job: its ECR_PUSH_* variables onto core's inputs (with the job's ID token
 * for role-arn), the log onto stdout and stderr, the results onto the dotenv report. `source` (or
 * an image of docker://...) promotes an image from a registry instead of pushing a local one.
 * Returns the exit code: 0 pushed, 2 invalid input (nothing was sent anywhere), 1 any other failure.
 */
export async function runJob(io: JobIO): Promise<number> {
  const log = new JobLog(io, io.env.CI_DEBUG_TRACE === "true");
  // Core masks the credentials it resolves and the registry passwords; these are the job's own.
  for (const secret of secretInputs(io.env)) log.mask(secret);
  const raw = jobInputs(io.env);
  try {
    const parsed = parseCommand(raw, GITLAB_INPUT_NAMES);
    if (raw.webIdentityToken && !raw.accessKeyId?.trim()) {
      log.info(`Using the job's ID token (${idToken(io.env).variable}) to assume ${raw.roleArn?.trim()}.`);
    }
    const result = await runCommand(parsed, {
      logger: log,
      secrets: log,
      // The dotenv report is written once from the result, after the push succeeded.
      outputs: { set: () => {} },
      env: io.env,
      signal: io.signal,
      inputNames: GITLAB_INPUT_NAMES,
      cacheDir: jobCacheDir(io.env),
      secretVariables: secretVariables(io.env),
    });
    writeDotenv(result, io.env, log);
    return 0;
  } catch (error) {
    const failure = asEcrPushError(error);
    log.error(failure.message);
    return failure.kind === "input" ? 2 : 1;
  }
}

/**
 * Where the registry engine keeps its layer cache: `.ecr-push-cache` in the project folder, which
 * the component's `cache:` keeps between pipelines; none outside a job.
 */
export function jobCacheDir(env: Record<string, string | undefined>): string | undefined {
  const project = env.CI_PROJECT_DIR?.trim();
  return project ? path.join(project, ".ecr-push-cache") : undefined;
}
