export {
  azureDriver,
  SERVICE_CONNECTION_ID,
  serviceConnection,
  type TaskInputs,
  taskInputEnv,
} from "./azure.js";
export { cliDriver } from "./cli.js";
export { codefreshDriver, type StepArguments } from "./codefresh.js";
export type {
  Env,
  HostDriver,
  HostOutputs,
  HostRun,
  Invocation,
  OutputKey,
  RunOptions,
} from "./driver.js";
export { type ActionInputs, actionInputEnv, githubDriver } from "./github.js";
export {
  COMPONENT_TEMPLATE,
  type ComponentInputs,
  componentVariableInputs,
  componentVariables,
  gitlabDriver,
} from "./gitlab.js";

import { azureDriver } from "./azure.js";
import { cliDriver } from "./cli.js";
import { codefreshDriver } from "./codefresh.js";
import { githubDriver } from "./github.js";
import { gitlabDriver } from "./gitlab.js";

/** One driver per shipped host. */
export const HOST_DRIVERS = {
  cli: cliDriver,
  github: githubDriver,
  azure: azureDriver,
  codefresh: codefreshDriver,
  gitlab: gitlabDriver,
} as const;
