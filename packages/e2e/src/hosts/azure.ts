import { readFileSync } from "node:fs";
import path from "node:path";
import { type Env, ensureDir, type HostOutputs, hostDriver, PACKAGES_DIR, prefixedLines } from "./driver.js";

/** The task's inputs, as a pipeline's `inputs:` writes them (values are strings to the agent). */
export type TaskInputs = Record<string, unknown>;

/** The task's source in the repository, for its input defaults. */
const TASK_JSON = path.join(PACKAGES_DIR, "adapter-azure", "task", "task.json");

/** INPUT_* as the agent sets them for a step's inputs. */
export function taskInputEnv(inputs: TaskInputs): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      `INPUT_${name.replace(/[.\s]/g, "_").toUpperCase()}`,
      String(value),
    ]),
  );
}

/** The defaultValue task.json gives each input, which the agent fills in for an input the step leaves out. */
function taskDefaults(): TaskInputs {
  const task = JSON.parse(readFileSync(TASK_JSON, "utf8")) as {
    inputs: { name: string; defaultValue?: string }[];
  };
  return Object.fromEntries(task.inputs.flatMap((i) => (i.defaultValue ? [[i.name, i.defaultValue]] : [])));
}

/** The id of the AWS service connection the drivers' tests use, unless they name their own. */
export const SERVICE_CONNECTION_ID = "7d4b8a2e-3c1f-4e5a-9b6d-0a1b2c3d4e5f";

/** An AWS service connection as the agent gives it to the task: ENDPOINT_AUTH_* for its id. */
export function serviceConnection(
  parameters: Record<string, string>,
  scheme = "UsernamePassword",
  endpointId = SERVICE_CONNECTION_ID,
): Env {
  const id = endpointId.toUpperCase();
  return {
    INPUT_AWSCREDENTIALS: endpointId,
    [`ENDPOINT_AUTH_${id}`]: JSON.stringify({ scheme, parameters }),
    [`ENDPOINT_AUTH_SCHEME_${id}`]: scheme,
    [`ENDPOINT_URL_${id}`]: "https://aws.amazon.com/",
    ...Object.fromEntries(
      Object.entries(parameters).map(([key, value]) => [
        `ENDPOINT_AUTH_PARAMETER_${id}_${key.toUpperCase()}`,
        value,
      ]),
    ),
  };
}

/** The `##vso[task.setvariable variable=NAME;...]value` commands, by name. */
function setVariables(lines: string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of lines) {
    const m = /^##vso\[task\.setvariable variable=([^;\]]+);[^\]]*\](.*)$/.exec(line);
    if (m) variables[m[1] as string] = m[2] as string;
  }
  return variables;
}

const OUTPUT_VARIABLES = ["imageUri", "imageUris", "digest", "registry", "repositoryCreated", "sourceDigest"];

/**
 * The Azure Pipelines task as the agent runs it: a child Node with the step's inputs (and
 * task.json's defaults) as INPUT_* and AGENT_TEMPDIRECTORY, the agent's temp folder, where
 * task-lib keeps its vault key. Outputs are read from the `task.setvariable` commands on stdout,
 * the error sentence from `task.complete result=Failed`.
 */
export const azureDriver = hostDriver<
  TaskInputs,
  {
    /** stdout's lines, where the logging commands are. */
    lines: string[];
    /** Every variable the task set, the output variables and those the pipeline named. */
    variables: Record<string, string>;
  }
>({
  name: "Azure Pipelines task",
  entry: path.join(PACKAGES_DIR, "adapter-azure", "dist", "ECRPushImage", "index.js"),
  invocation: (inputs, dir) => ({
    args: [],
    env: {
      ...(dir ? { AGENT_TEMPDIRECTORY: ensureDir(dir) } : {}),
      ...taskInputEnv({ ...taskDefaults(), ...inputs }),
    },
  }),
  read(run) {
    const lines = run.stdout.split(/\r?\n/);
    const variables = setVariables(lines);
    const outputs: HostOutputs = Object.fromEntries(
      Object.entries(variables).filter(([name]) => OUTPUT_VARIABLES.includes(name)),
    );
    return {
      lines,
      variables,
      outputs,
      errors: prefixedLines(run.stdout, "##vso[task.complete result=Failed;]"),
    };
  },
});
