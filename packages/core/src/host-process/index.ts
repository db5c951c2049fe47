/**
 * What every host's entry does with its Node process, written once: warnings, cancellation and
 * the exit code. CI hosts cancel a job with SIGINT and/or SIGTERM and kill the step a few seconds
 * later, so the first signal aborts the work (its cleanup runs: temporary files, private Docker
 * config, local tags) and a second ends the process at once (the exit hook still removes files).
 */

/** Exit codes a shell expects after a signal: 128 + the signal's number. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type HandledSignal = keyof typeof EXIT_CODES;

export interface HostProcessOptions {
  /**
   * Where Node's process warnings go (such as the AWS SDK's notice about Node versions): never
   * straight to stderr, where a CI log shows them like errors. Dropped without it.
   */
  warning?: (line: string) => void;
}

export interface HostProcess {
  /** Aborted by the first SIGINT or SIGTERM, its reason saying which. */
  readonly signal: AbortSignal;
  /** The signal received, if any. */
  received(): HandledSignal | undefined;
  /** The process's exit code for a run that ended with `code`: 128 + n when a signal stopped it. */
  exitCode(code: number): number;
  /** Removes the signal handlers (a command that is done). */
  dispose(): void;
}

/** Sets up the process for one host run: see HostProcess. */
export function startHostProcess(options: HostProcessOptions = {}): HostProcess {
  process.removeAllListeners("warning");
  const { warning } = options;
  const onWarning = (w: Error) => warning?.(`${w.name}: ${w.message.replace(/\s+/g, " ").trim()}`);
  if (warning) process.on("warning", onWarning);
  const controller = new AbortController();
  let received: HandledSignal | undefined;
  const handlers = new Map<HandledSignal, () => void>();
  for (const name of Object.keys(EXIT_CODES) as HandledSignal[]) {
    const handler = () => {
      if (received) process.exit(EXIT_CODES[received]);
      received = name;
      controller.abort(new Error(`Cancelled by ${name}.`));
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    received: () => received,
    // A run that stopped cleanly on a signal (the CLI's `local`) ends 0; one it interrupted, 128 + n.
    exitCode: (code) => (received && code !== 0 ? EXIT_CODES[received] : code),
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
      process.off("warning", onWarning);
    },
  };
}

export { LineLog, type LineWriters } from "./line-log.js";
