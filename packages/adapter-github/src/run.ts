import path from "node:path";
import * as actions from "@actions/core";
import { asEcrPushError, type PushRequest, parseCommand, runCommand } from "@ecr-push/core";
import { oidcToken, usesOidc, withCredentialsHint } from "./credentials.js";
import { GITHUB_INPUT_NAMES, readInputs, SECRET_INPUTS } from "./inputs.js";
import { ActionsLog } from "./log.js";
import { actionOutputs } from "./outputs.js";
import { summaryMarkdown } from "./summary.js";

/**
 * The action: read the inputs, mask the secrets, add GitHub's OIDC token when it is the credential,
 * push with core, write the job summary. A failure fails the step with core's one sentence.
 */
export async function runAction(env: Record<string, string | undefined>, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  const log = new ActionsLog();
  let request: Pick<PushRequest, "credentials"> | undefined;
  try {
    const raw = readInputs((name) => actions.getInput(name));
    for (const name of SECRET_INPUTS) log.mask(actions.getInput(name));
    // Bad input fails here, before a token is requested or anything is sent.
    // `source` (an image in a registry) promotes it instead of pushing a local image.
    const parsed = parseCommand(raw, GITHUB_INPUT_NAMES);
    request = parsed.request;
    const webIdentityToken = usesOidc(parsed.request, env) ? await oidcToken(log) : undefined;
    if (webIdentityToken) {
      log.info(`Using GitHub's OIDC token to assume ${parsed.request.credentials.roleArn}.`);
      parsed.request.credentials = { ...parsed.request.credentials, webIdentityToken };
    }
    const result = await runCommand(parsed, {
      logger: log,
      secrets: log,
      outputs: actionOutputs,
      env,
      signal,
      inputNames: GITHUB_INPUT_NAMES,
      // The job's own temporary folder, emptied by the runner after the job.
      tempDir: env.RUNNER_TEMP || undefined,
      cacheDir: actionCacheDir(env),
      secretVariables: RUNNER_SECRETS,
    });
    await writeSummary(summaryMarkdown(result, Date.now() - started), env, log);
  } catch (error) {
    const failure = withCredentialsHint(asEcrPushError(error), request);
    if (failure.cause instanceof Error) log.debug(`cause: ${failure.cause.message}`);
    actions.setFailed(log.scrub(failure.message));
  }
}

/** The runner's variables a child (docker) must not inherit: the inputs and the OIDC request token. */
const RUNNER_SECRETS = /^(INPUT_|ACTIONS_ID_TOKEN_REQUEST_|ACTIONS_RUNTIME_TOKEN$|GITHUB_TOKEN$)/i;

/**
 * Where the registry engine keeps its layer cache: `ecr-push` in the runner's tool cache, which a
 * self-hosted runner keeps between jobs (a hosted one starts empty each time); none outside a runner.
 */
export function actionCacheDir(env: Record<string, string | undefined>): string | undefined {
  const toolCache = env.RUNNER_TOOL_CACHE?.trim();
  return toolCache ? path.join(toolCache, "ecr-push") : undefined;
}

/** The job summary is a report: when the runner offers none, or writing fails, the push still succeeded. */
async function writeSummary(markdown: string, env: Record<string, string | undefined>, log: ActionsLog) {
  if (!env.GITHUB_STEP_SUMMARY) return log.debug("No GITHUB_STEP_SUMMARY, so no job summary.");
  try {
    await actions.summary.addRaw(markdown).write();
  } catch (error) {
    log.warn(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
  }
}
