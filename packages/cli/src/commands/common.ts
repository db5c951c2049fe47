// What push, retag and promote share besides their inputs (inputs.ts): the output options and
// their help, and how a result or a failure is printed. Each command keeps only what is its own.
import { type HostPorts, type InputNames, isEcrPushError } from "@ecr-push/core";
import { userCacheDir } from "../host/cache-dir.js";
import { ConsoleLogger } from "../host/console-logger.js";
import type { CliIO } from "../io.js";
import { type OptionHelp, UsageError } from "../usage.js";

/** The one image a command names; more is a usage error ending with the command's own hint. */
export function singleArgument(positionals: string[], expected: string, hint: string): string {
  if (positionals.length > 1) {
    throw new UsageError(`Expected one ${expected} but got ${positionals.length}: ${hint}.`);
  }
  return positionals[0] ?? "";
}

/** Options every command has: output control and help. */
export const OUTPUT_OPTIONS = {
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** OUTPUT_OPTIONS in a command's --help. */
export const OUTPUT_HELP: readonly OptionHelp[] = [
  { flag: "json", help: "Print the result as one JSON object on stdout" },
  { flag: "quiet", short: "q", help: "Print only results and errors" },
  { flag: "debug", help: "Print debug details (never secrets)" },
  { flag: "help", short: "h", help: "Show this help" },
];

/** The console logger of a command: progress on stderr, a live line only on a terminal. */
export function commandLogger(
  io: CliIO,
  values: { quiet?: boolean; debug?: boolean },
  live: boolean,
): ConsoleLogger {
  return new ConsoleLogger({
    quiet: values.quiet === true,
    debug: values.debug === true,
    live: live && io.stderrIsTTY === true && values.quiet !== true,
    columns: io.columns,
    write: io.stderr,
  });
}

/**
 * The CLI as core's host: its logger (which also masks), env, signal and input names, and the
 * user's cache folder for the registry engine's layer cache.
 */
export function cliHost(
  io: CliIO,
  logger: ConsoleLogger,
  inputNames: Partial<InputNames>,
  dockerPath?: string,
): HostPorts {
  return {
    logger,
    secrets: logger,
    // The CLI prints its result once at the end (text or --json), so outputs need no live sink.
    outputs: { set: () => {} },
    env: io.env,
    signal: io.signal,
    inputNames,
    dockerPath,
    cacheDir: userCacheDir(io.env),
  };
}

interface Printed {
  imageUris: string[];
  registry: string;
  repository: string;
  digest: string;
}

/**
 * Runs a command's work and prints its outcome: `doc` as one JSON object with --json, else each
 * image URI and then REGISTRY/REPOSITORY@DIGEST. A product error becomes one `error:` line (and
 * `{"error":...}` with --json), exit 2 for bad input and 1 otherwise; anything else is a bug and
 * propagates.
 */
export async function runAndReport<R extends Printed>(
  io: CliIO,
  logger: ConsoleLogger,
  values: { json?: boolean; debug?: boolean },
  work: () => Promise<{ result: R; doc: object }>,
): Promise<number> {
  try {
    const { result, doc } = await work();
    if (values.json) io.stdout(`${JSON.stringify(doc)}\n`);
    else
      io.stdout(`${result.imageUris.join("\n")}\n${result.registry}/${result.repository}@${result.digest}\n`);
    return 0;
  } catch (error) {
    if (!isEcrPushError(error)) throw error;
    const message = logger.scrub(error.message);
    io.stderr(`error: ${message}\n`);
    if (values.debug && error.cause instanceof Error)
      io.stderr(`debug: cause: ${logger.scrub(error.cause.message)}\n`);
    if (values.json) io.stdout(`${JSON.stringify({ error: { code: error.code, message } })}\n`);
    return error.kind === "input" ? 2 : 1;
  }
}
