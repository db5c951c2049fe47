/** A mistake in how the command was called: exit code 2, one sentence, no stack. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Turns node:util parseArgs errors into one sentence that says what to do. */
export function usageErrorFrom(error: unknown, command: string): UsageError | undefined {
  if (!(error instanceof Error) || !("code" in error)) return undefined;
  const code = String((error as { code: unknown }).code);
  if (!code.startsWith("ERR_PARSE_ARGS_")) return undefined;
  const help = `run \`ecr-push ${command} --help\` for the options`;
  // Node names options as '-r, --repository <value>' or '--repository': prefer the long form.
  const option = /--[A-Za-z0-9-]+/.exec(error.message)?.[0] ?? /'(-[^' ,]+)/.exec(error.message)?.[1] ?? "";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`Unknown option ${option}: ${help}.`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/ambiguous/.test(error.message)) {
        return new UsageError(
          `The value of ${option} starts with "-": write ${option}=VALUE if that is meant.`,
        );
      }
      return new UsageError(`Option ${option} needs a value: ${help}.`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`Unexpected argument ${/'([^']+)'/.exec(error.message)?.[1] ?? ""}: ${help}.`);
    default:
      return new UsageError(`${error.message.split("\n")[0]}: ${help}.`);
  }
}
