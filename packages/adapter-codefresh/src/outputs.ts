import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { PushFailedError, type PushResult, resultVariables } from "@ecr-push/core";
import type { StepLogger } from "./log.js";

/** The variables later steps read: core's result variables. */
export const exportedVariables = resultVariables;

/**
 * Appends the outputs to `$CF_VOLUME_PATH/env_vars_to_export` as `NAME=value` lines (what
 * `cf_export` does) and prints them. Without CF_VOLUME_PATH (a run outside Codefresh) it says so
 * and only prints them.
 */
export function exportOutputs(
  result: PushResult & { sourceDigest?: string },
  env: Record<string, string | undefined>,
  logger: StepLogger,
): void {
  const lines = Object.entries(exportedVariables(result)).map(([name, value]) => `${name}=${value}\n`);
  const volume = env.CF_VOLUME_PATH?.trim();
  if (!volume) {
    logger.warn("CF_VOLUME_PATH is not set, so these outputs are printed but not exported to later steps:");
  } else {
    const file = path.join(volume, "env_vars_to_export");
    try {
      appendFileSync(file, separatorFor(file) + lines.join(""));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new PushFailedError(
        "ExportFailed",
        `The image was pushed, but its outputs could not be written to ${file} (${reason}): make CF_VOLUME_PATH a directory the step can write.`,
        { cause: error },
      );
    }
    logger.info(`Exported to ${file}:`);
  }
  for (const line of lines) logger.info(`  ${line.trimEnd()}`);
}

/** A newline first when the file does not end with one, so our first line never joins another. */
function separatorFor(file: string): string {
  try {
    const text = readFileSync(file, "utf8");
    return text === "" || text.endsWith("\n") ? "" : "\n";
  } catch {
    return "";
  }
}
