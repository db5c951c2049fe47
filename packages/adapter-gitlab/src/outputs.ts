import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type CommandResult, PushFailedError, resultVariables } from "@ecr-push/core";
import { variableFor } from "./inputs.js";
import type { JobLog } from "./log.js";

/** The variables later steps read: core's result variables. */
export const dotenvVariables = resultVariables;

/** The dotenv file: the dotenv input (default ecr-push.env), relative to CI_PROJECT_DIR. */
export function dotenvPath(env: Record<string, string | undefined>): string {
  const file = env[variableFor("dotenv")]?.trim() || "ecr-push.env";
  return path.resolve(env.CI_PROJECT_DIR?.trim() || process.cwd(), file);
}

/**
 * Writes the outputs as `NAME=value` lines to the dotenv file, which the component declares as
 * `artifacts: reports: dotenv`, and prints them. The file appears whole or not at all (written
 * beside it, then renamed), so a stopped job never leaves half a report.
 */
export function writeDotenv(
  result: CommandResult,
  env: Record<string, string | undefined>,
  log: JobLog,
): void {
  const lines = Object.entries(dotenvVariables(result)).map(([name, value]) => `${name}=${value}`);
  const file = dotenvPath(env);
  const partial = `${file}.${process.pid}.tmp`;
  try {
    // GitLab's dotenv has no quoting: a value is the rest of its line.
    const broken = lines.find((line) => /[\r\n]/.test(line));
    if (broken) throw new Error(`${broken.split("=")[0]} would span lines`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(partial, `${lines.join("\n")}\n`);
    renameSync(partial, file);
  } catch (error) {
    if (existsSync(partial)) rmSync(partial, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new PushFailedError(
      "ExportFailed",
      `The image was pushed, but its outputs could not be written to ${file} (${reason}): make the dotenv input a path the job can write in the project folder.`,
      { cause: error },
    );
  }
  log.info(`Wrote ${file} (artifacts:reports:dotenv hands it to later jobs):`);
  for (const line of lines) log.info(`  ${line}`);
}
