import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ensureDir, hostDriver, PACKAGES_DIR, prefixedLines, resultVariableOutputs } from "./driver.js";

/** The step's arguments (IMAGE, REPOSITORY...), which reach its container as environment variables. */
export type StepArguments = Record<string, string | undefined>;

/** The defaults step.yaml's argument schema declares, which the typed step passes for an argument left out. */
function stepDefaults(): Record<string, string> {
  const stepType = parse(readFileSync(path.join(PACKAGES_DIR, "adapter-codefresh", "step.yaml"), "utf8")) as {
    spec: { arguments: string };
  };
  const schema = JSON.parse(stepType.spec.arguments) as {
    properties: Record<string, { default?: unknown }>;
  };
  return Object.fromEntries(
    Object.entries(schema.properties).flatMap(([name, p]) =>
      p.default === undefined ? [] : [[name, String(p.default)]],
    ),
  );
}

/**
 * The Codefresh step as its image runs it: the arguments (and step.yaml's defaults) as environment
 * variables, and CF_VOLUME_PATH, the pipeline's shared volume. Outputs are read from the volume's
 * env_vars_to_export, the error sentence from stderr's `error: ` line.
 */
export const codefreshDriver = hostDriver<
  StepArguments,
  {
    /** env_vars_to_export as the run left it ("" when there is none). */
    exported: string;
  }
>({
  name: "Codefresh step",
  entry: path.join(PACKAGES_DIR, "adapter-codefresh", "dist", "index.js"),
  invocation: (args, dir) => ({
    args: [],
    env: { ...(dir ? { CF_VOLUME_PATH: ensureDir(dir) } : {}), ...stepDefaults(), ...args },
  }),
  read(run, _args, dir) {
    const file = dir && path.join(dir, "env_vars_to_export");
    const exported = file && existsSync(file) ? readFileSync(file, "utf8") : "";
    return {
      exported,
      outputs: resultVariableOutputs(exported),
      errors: prefixedLines(run.stderr, "error: "),
    };
  },
});
