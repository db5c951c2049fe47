import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import {
  type Env,
  ensureDir,
  hostDriver,
  PACKAGES_DIR,
  prefixedLines,
  REPOSITORY_ROOT,
  resultVariableOutputs,
} from "./driver.js";

/** The component's inputs, as an `include:` writes them (kebab-case). */
export type ComponentInputs = Record<string, string>;

/** The catalog component: its `spec: inputs:` and the job's `variables:`. */
export const COMPONENT_TEMPLATE = path.join(REPOSITORY_ROOT, "templates", "ecr-push.yml");

interface Component {
  inputs: Record<string, { default?: unknown }>;
  /** Each job variable and the input it is interpolated from (`$[[ inputs.NAME ]]`). */
  variables: [string, string][];
}

function component(): Component {
  const [spec, job] = parseAllDocuments(readFileSync(COMPONENT_TEMPLATE, "utf8")).map((d) => d.toJS());
  const jobs = Object.values(job as Record<string, { variables?: Record<string, string> }>);
  const variables = Object.entries(jobs[0]?.variables ?? {}).flatMap(([name, value]) => {
    const input = /^\$\[\[ inputs\.([\w-]+) \]\]$/.exec(String(value))?.[1];
    return input ? [[name, input] as [string, string]] : [];
  });
  return { inputs: spec.spec.inputs, variables };
}

/** Each job variable the template sets and the input it interpolates: ECR_PUSH_ROLE_ARN from role-arn. */
export function componentVariableInputs(): Record<string, string> {
  return Object.fromEntries(component().variables);
}

/** The job variables the component sets: each from its input as included, else the input's default. */
export function componentVariables(inputs: ComponentInputs): Record<string, string> {
  const { inputs: spec, variables } = component();
  return Object.fromEntries(
    variables.map(([variable, input]) => {
      const fallback = spec[input]?.default;
      return [variable, inputs[input] ?? (fallback === undefined ? "" : String(fallback))];
    }),
  );
}

/** The dotenv report's path: the dotenv input (or its default) in the project folder. */
function dotenvFile(project: string, inputs: ComponentInputs): string {
  return path.resolve(project, componentVariables(inputs).ECR_PUSH_DOTENV || "ecr-push.env");
}

/**
 * The GitLab component's job as the runner runs its script: GitLab's predefined variables, the
 * project folder (CI_PROJECT_DIR) as its working directory, and every variable the template
 * interpolates from the inputs or their defaults. Outputs are read from the dotenv report, the
 * error sentence from stderr's `error: ` line.
 */
export const gitlabDriver = hostDriver<
  ComponentInputs,
  {
    /** The dotenv report, when the job wrote one (a failed job writes none). */
    dotenv?: string;
  }
>({
  name: "GitLab component",
  entry: path.join(PACKAGES_DIR, "adapter-gitlab", "dist", "index.js"),
  invocation(inputs, dir) {
    const project: Env = dir ? { CI_PROJECT_DIR: ensureDir(dir), CI_BUILDS_DIR: path.dirname(dir) } : {};
    return {
      args: [],
      env: {
        CI: "true",
        GITLAB_CI: "true",
        ...project,
        CI_JOB_ID: "4242",
        CI_JOB_NAME: "ecr-push",
        ...componentVariables(inputs),
      },
      cwd: dir,
    };
  },
  read(run, inputs, dir) {
    const file = dir && dotenvFile(dir, inputs);
    const dotenv = file && existsSync(file) ? readFileSync(file, "utf8") : undefined;
    return {
      dotenv,
      outputs: resultVariableOutputs(dotenv ?? ""),
      errors: prefixedLines(run.stderr, "error: "),
    };
  },
});
