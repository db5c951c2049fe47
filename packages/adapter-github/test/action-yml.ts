import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The action's metadata at the repository root, as the runner reads it. */
export const ACTION_YML = fileURLToPath(new URL("../../../action.yml", import.meta.url));

export interface ActionMetadata {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string };
}

export function actionMetadata(): ActionMetadata {
  return parse(readFileSync(ACTION_YML, "utf8")) as ActionMetadata;
}

/** The INPUT_* variables the runner sets: every input's default, then the step's `with:` values. */
export function inputEnv(withInputs: Record<string, string>): Record<string, string> {
  const defaults = Object.entries(actionMetadata().inputs).flatMap(([name, input]) =>
    input.default === undefined ? [] : [[name, String(input.default)] as const],
  );
  const env: Record<string, string> = {};
  for (const [name, value] of [...defaults, ...Object.entries(withInputs)]) {
    env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  }
  return env;
}
