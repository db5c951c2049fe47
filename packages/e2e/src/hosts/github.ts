import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import {
  ensureDir,
  type HostOutputs,
  hostDriver,
  type OutputKey,
  PACKAGES_DIR,
  prefixedLines,
  REPOSITORY_ROOT,
} from "./driver.js";

/** The action's inputs (`with:`), as a workflow writes them. */
export type ActionInputs = Record<string, string>;

/** The defaults action.yml declares, which the runner passes for an input the step leaves out. */
function actionDefaults(): [string, string][] {
  const metadata = parse(readFileSync(path.join(REPOSITORY_ROOT, "action.yml"), "utf8")) as {
    inputs: Record<string, { default?: unknown }>;
  };
  return Object.entries(metadata.inputs).flatMap(([name, input]) =>
    input.default === undefined ? [] : [[name, String(input.default)] as [string, string]],
  );
}

/** The INPUT_* variables the runner sets: every input's default, then the step's `with:` values. */
export function actionInputEnv(inputs: ActionInputs): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of [...actionDefaults(), ...Object.entries(inputs)]) {
    env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  }
  return env;
}

/** GITHUB_OUTPUT's `name<<DELIMITER` heredocs as core's outputs (image-uri is imageUri). */
function outputsOf(written: string): HostOutputs {
  const outputs: HostOutputs = {};
  for (const [, name = "", , value = ""] of written.matchAll(/^([\w-]+)<<(.+)\n([\s\S]*?)\n\2$/gm)) {
    outputs[name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as OutputKey] = value;
  }
  return outputs;
}

const files = (dir: string) => ({
  output: path.join(dir, "output"),
  summary: path.join(dir, "summary.md"),
  temp: path.join(dir, "temp"),
});

/**
 * The GitHub Action as the runner runs action.yml's `main`: the inputs (and action.yml's defaults)
 * as INPUT_*, and the runner's GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP in its folder.
 * Outputs are read from GITHUB_OUTPUT, the error sentence from the `::error::` command.
 */
export const githubDriver = hostDriver<
  ActionInputs,
  {
    /** GITHUB_OUTPUT as written, each random heredoc delimiter replaced by `EOF`. */
    outputFile: string;
    summary: string;
    /** What the run left in RUNNER_TEMP (should be nothing). */
    runnerTempLeftovers: string[];
  }
>({
  name: "GitHub Action",
  entry: path.join(PACKAGES_DIR, "adapter-github", "dist", "index.js"),
  invocation(inputs, dir) {
    const runner: Record<string, string> = { GITHUB_ACTIONS: "true" };
    if (dir) {
      const { output, summary, temp } = files(ensureDir(dir));
      writeFileSync(output, "");
      writeFileSync(summary, "");
      ensureDir(temp);
      Object.assign(runner, { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: temp });
    }
    return { args: [], env: { ...actionInputEnv(inputs), ...runner } };
  },
  read(run, _inputs, dir) {
    const written = dir ? readFileSync(files(dir).output, "utf8") : "";
    return {
      outputs: outputsOf(written),
      errors: prefixedLines(run.stdout, "::error::"),
      outputFile: written.replace(/ghadelimiter_[0-9a-f-]{36}/g, "EOF"),
      summary: dir ? readFileSync(files(dir).summary, "utf8") : "",
      runnerTempLeftovers: dir ? readdirSync(files(dir).temp) : [],
    };
  },
});
