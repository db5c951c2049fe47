import path from "node:path";
import { asEcrPushError, parseCommand, runCommand } from "@ecr-push/core";
import { type Agent, type TaskLib, taskLibAgent } from "./agent.js";
import { agentOidcTokens, readCredentials } from "./credentials.js";
import { AZURE_INPUT_NAMES, readTaskInputs } from "./inputs.js";
import { AgentLog } from "./log.js";
import { AgentOutputs } from "./outputs.js";

export interface TaskContext {
  tl: TaskLib;
  /** The process environment after task-lib took INPUT_*, ENDPOINT_* and SECRET_* out of it. */
  env: Record<string, string | undefined>;
  write: (text: string) => void;
  signal?: AbortSignal;
  agent?: Agent;
  fetch?: typeof fetch;
}

/**
 * The task: read the agent's inputs, variables and service connection, hand them to core's one
 * push job, publish the results as variables, and end with task.complete (Failed with core's one
 * sentence). Returns whether the push succeeded.
 */
export async function runTask(context: TaskContext): Promise<boolean> {
  const { tl } = context;
  const agent = context.agent ?? taskLibAgent(tl);
  const log = new AgentLog(tl, context.write);
  const outputs = new AgentOutputs(tl);
  try {
    const settings = readTaskInputs(agent);
    // Registered before anything is printed (it was read without task-lib's debug echo).
    if (settings.raw.sourcePassword) log.mask(String(settings.raw.sourcePassword));
    log.verbose = settings.verbose;
    const credentials = await readCredentials(agent, log, agentOidcTokens(agent, log, context.fetch));
    log.debug(`AWS credentials from ${credentials.description}.`);
    const inputNames = { ...AZURE_INPUT_NAMES, ...settings.names, ...credentials.names };
    const command = parseCommand({ ...settings.raw, ...credentials.raw }, inputNames, settings.command);
    const result = await runCommand(command, {
      logger: log,
      outputs,
      secrets: log,
      env: context.env,
      signal: context.signal,
      inputNames,
      // The agent's temporary folder, cleaned by the agent after every job.
      tempDir: agent.variable("Agent.TempDirectory") || undefined,
      cacheDir: agentCacheDir(agent, context.env),
      secretVariables: AGENT_SECRETS,
    });
    if (settings.outputVariable) outputs.setVariable(settings.outputVariable, result.imageUri);
    if (settings.digestOutputVariable) outputs.setVariable(settings.digestOutputVariable, result.digest);
    const done = { push: "Pushed", retag: "Tagged", promote: "Promoted" }[settings.command];
    log.succeed(`${done} ${result.imageUris.join(", ")}.`);
    return true;
  } catch (error) {
    log.fail(asEcrPushError(error).message);
    return false;
  }
}

/**
 * The agent's variables a child (docker) must not inherit: the task's inputs, service-connection
 * data, secret variables and the job's access token.
 */
const AGENT_SECRETS = /^(INPUT_|ENDPOINT_(AUTH|DATA)_|SECRET_|SYSTEM_ACCESSTOKEN$)/i;

/**
 * Where the registry engine keeps its layer cache: `ecr-push` in the agent's tools directory, which
 * the agent keeps between jobs (the Agent.ToolsDirectory variable, else AGENT_TOOLSDIRECTORY); none
 * when the agent names neither.
 */
export function agentCacheDir(agent: Agent, env: Record<string, string | undefined>): string | undefined {
  const tools = agent.variable("Agent.ToolsDirectory") || env.AGENT_TOOLSDIRECTORY?.trim();
  return tools ? path.join(tools, "ecr-push") : undefined;
}
