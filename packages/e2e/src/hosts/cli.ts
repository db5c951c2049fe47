import path from "node:path";
import { type HostOutputs, hostDriver, PACKAGES_DIR, prefixedLines } from "./driver.js";

/** The fields of `--json` that are core's outputs. */
function jsonOutputs(stdout: string): HostOutputs {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(stdout);
  } catch {
    return {};
  }
  const text = (value: unknown) =>
    value === undefined ? undefined : Array.isArray(value) ? value.join("\n") : String(value);
  const outputs: HostOutputs = {
    imageUri: text(doc.imageUri),
    imageUris: text(doc.imageUris),
    digest: text(doc.digest),
    registry: text(doc.registry),
    repositoryCreated: text(doc.repositoryCreated),
    sourceDigest: text(doc.sourceDigest),
  };
  return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
}

/**
 * The CLI (`ecr-push COMMAND ...`): its inputs are its arguments; outputs come from `--json` on
 * stdout, the error sentence from stderr's `error: ` line.
 */
export const cliDriver = hostDriver<string[], object>({
  name: "CLI",
  entry: path.join(PACKAGES_DIR, "cli", "dist", "ecr-push.js"),
  invocation: (args) => ({ args, env: {} }),
  read: (run) => ({ outputs: jsonOutputs(run.stdout), errors: prefixedLines(run.stderr, "error: ") }),
});
