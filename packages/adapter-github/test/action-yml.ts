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
