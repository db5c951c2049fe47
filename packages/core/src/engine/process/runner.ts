import { spawn } from "node:child_process";
import { PassThrough, type Readable } from "node:stream";
import { PushFailedError } from "../../errors/index.js";

export interface RunOptions {
  /** The complete environment of the child; nothing is inherited from this process. */
  env: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. Without it stdin is not connected. */
  stdin?: string;
  /** Aborting kills the child and rejects with the signal's reason. */
  signal?: AbortSignal;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

export interface RunResult {
  /** The exit code, or -1 when the child was ended by a signal. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A child whose stdout is read as bytes while it runs (an image export). */
export interface StreamingProcess {
  stdout: Readable;
  /** Settles when the child has exited; stdout holds nothing here (it was streamed). */
  done: Promise<RunResult>;
  /** Ends the child early (the reader gave up). */
  kill(): void;
}

/** The one seam through which core starts processes; tests replace it with a fake. */
export interface ProcessRunner {
  run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
  /** Starts a child whose stdout is a byte stream; fakes that never export may leave it out. */
  stream?(
    command: string,
    args: readonly string[],
    options: Omit<RunOptions, "stdin" | "onStdoutLine">,
  ): StreamingProcess;
}

/** The executable could not be started at all (ENOENT: not found, EACCES: not executable...). */
export class ProcessStartError extends PushFailedError {
  readonly command: string;
  /** The system error code, e.g. `ENOENT`. */
  readonly errno: string;

  constructor(command: string, cause: NodeJS.ErrnoException) {
    const errno = cause.code ?? "UNKNOWN";
    const reason = errno === "ENOENT" ? "no such executable" : errno;
    super("ProcessStartFailed", `Could not start ${command}: ${reason}.`, { cause });
    this.name = "ProcessStartError";
    this.command = command;
    this.errno = errno;
  }
}

/** Collects a text stream and calls `onLine` for each complete line (without its line ending). */
function lineCollector(onLine: ((line: string) => void) | undefined) {
  let all = "";
  let partial = "";
  return {
    push(chunk: string) {
      all += chunk;
      if (!onLine) return;
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    },
    end(): string {
      if (onLine && partial) onLine(partial);
      partial = "";
      return all;
    },
  };
}

/** Runs processes with node:child_process, never through a shell. */
export const nodeProcessRunner: ProcessRunner = {
  run(command, args, options) {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const child = spawn(command, [...args], {
        env: options.env,
        shell: false,
        windowsHide: true,
        stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
      const stdout = lineCollector(options.onStdoutLine);
      const stderr = lineCollector(options.onStderrLine);
      let settled = false;
      const onAbort = () => {
        child.kill();
        finish(() => reject(signal?.reason));
      };
      function finish(settle: () => void) {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        settle();
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      child.stdout?.setEncoding("utf8").on("data", (chunk: string) => stdout.push(chunk));
      child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
      child.on("error", (error: NodeJS.ErrnoException) => {
        // Without a pid the process never started; later errors (e.g. a failed kill) are not fatal.
        if (child.pid === undefined) finish(() => reject(new ProcessStartError(command, error)));
      });
      child.on("close", (code) => {
        finish(() => resolve({ exitCode: code ?? -1, stdout: stdout.end(), stderr: stderr.end() }));
      });
      if (child.stdin) {
        // A child that exits without reading stdin would otherwise crash us with EPIPE.
        child.stdin.on("error", () => {});
        child.stdin.end(options.stdin);
      }
    });
  },

  stream(command, args, options) {
    const child = spawn(command, [...args], {
      env: options.env,
      shell: false,
      windowsHide: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr = lineCollector(options.onStderrLine);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
    const { signal } = options;
    const onAbort = () => child.kill();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) child.kill();
    const done = new Promise<RunResult>((resolve, reject) => {
      child.on("error", (error: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          const failure = new ProcessStartError(command, error);
          child.stdout?.destroy(failure);
          reject(failure);
        }
      });
      child.on("close", (code) => {
        signal?.removeEventListener("abort", onAbort);
        resolve({ exitCode: code ?? -1, stdout: "", stderr: stderr.end() });
      });
    });
    // Awaited by the caller; a start failure also reaches it through stdout.
    done.catch(() => {});
    // Read at once into a stream of our own: a child's stdout left unread while the child exits
    // loses its data (seen with small exports started before they are consumed). The pass-through
    // still applies backpressure, so the child waits while its reader does.
    const stdout = new PassThrough({ highWaterMark: 1024 * 1024 });
    child.stdout?.on("error", (error) => stdout.destroy(error));
    child.stdout?.pipe(stdout);
    // A reader that gives up also closes the pipe: a child blocked writing into it gets EPIPE
    // rather than waiting for a signal it may handle late, and a child that outlives SIGTERM is
    // killed after a grace period, so it never keeps the push's process alive.
    const kill = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill();
      child.stdout?.destroy();
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }, 2000).unref();
    };
    return { stdout, done, kill };
  },
};
