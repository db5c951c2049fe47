import type { ProcessRunner, RunOptions, RunResult } from "../../../src/engine/index.js";

export interface RecordedCall {
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  stdin: string | undefined;
}

/** Answers docker commands from `respond` (keyed on argv) and records every call. */
export class FakeRunner implements ProcessRunner {
  readonly calls: RecordedCall[] = [];

  constructor(private readonly respond: (args: string[]) => Partial<RunResult> = () => ({})) {}

  async run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    this.calls.push({ command, args: [...args], env: { ...options.env }, stdin: options.stdin });
    const result: RunResult = { exitCode: 0, stdout: "", stderr: "", ...this.respond([...args]) };
    for (const line of result.stdout.split("\n")) options.onStdoutLine?.(line);
    for (const line of result.stderr.split("\n")) options.onStderrLine?.(line);
    return result;
  }

  /** The calls whose argv starts with `words`. */
  callsOf(...words: string[]): RecordedCall[] {
    return this.calls.filter((call) => words.every((word, i) => call.args[i] === word));
  }
}
