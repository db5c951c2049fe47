import { type ParseArgsConfig, parseArgs } from "node:util";
import type { CliIO } from "./io.js";
import { UsageError, usageErrorFrom } from "./usage.js";

declare const ECR_PUSH_VERSION: string;
/** Replaced by the bundler; falls back for tests run from source. */
export const version = typeof ECR_PUSH_VERSION === "string" ? ECR_PUSH_VERSION : "0.0.0-dev";

const MAIN_HELP = `ecr-push: push a container image to Amazon ECR.

Usage:
  ecr-push push SOURCE --repository NAME [--tag TAG]... [options]
  ecr-push retag REPOSITORY:TAG|REPOSITORY@DIGEST --tag NEW... [options]
  ecr-push promote SOURCE --repository NAME [--tag TAG]... [options]
  ecr-push local [--port N] [--data-dir DIR]
  ecr-push --version

Commands:
  push     Push a local Docker image (name[:tag] or image ID) to an ECR repository.
  retag    Add tags to an image already in ECR, without moving any layer.
  promote  Copy an image from another ECR account or region, or any registry, into ECR
           without pulling it (same digest).
  local    Run a local ECR-compatible endpoint for offline testing.

Examples:
  ecr-push push web:1.4.2 -r team/web -t 1.4.2 -t latest
  ecr-push retag team/web:1.4.2 -t stable
  ecr-push promote 111111111111.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2 -r web --source-profile staging

Run \`ecr-push COMMAND --help\` for a command's options.
`;

/**
 * Runs one invocation and returns the exit code: 0 success, 2 bad input or usage, 1 any other
 * failure (130/143 after SIGINT/SIGTERM). Prints results on stdout and everything else on stderr.
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout(MAIN_HELP);
        return command === undefined ? 2 : 0;
      case "--version":
      case "-v":
      case "version":
        io.stdout(`${version}\n`);
        return 0;
      case "push": {
        const { pushCommand } = await import("./commands/push.js");
        return await pushCommand(rest, io);
      }
      case "retag": {
        const { retagCommand } = await import("./commands/retag.js");
        return await retagCommand(rest, io);
      }
      case "promote": {
        const { promoteCommand } = await import("./commands/promote.js");
        return await promoteCommand(rest, io);
      }
      case "local": {
        const { localCommand } = await import("./commands/local.js");
        return await localCommand(rest, io);
      }
      default:
        throw new UsageError(
          `Unknown command "${command}": use push, retag, promote or local (see \`ecr-push --help\`).`,
        );
    }
  } catch (error) {
    const usage = error instanceof UsageError ? error : usageErrorFrom(error, command ?? "");
    if (usage) {
      io.stderr(`error: ${usage.message}\n`);
      return 2;
    }
    // Anything unexpected still gets one line; details only with --debug.
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    io.stderr(`error: ${message}\n`);
    if (argv.includes("--debug") && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return 1;
  }
}

/** parseArgs with the options every command shares. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}
