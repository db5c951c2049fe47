import { type Logger, type SecretMasker, SecretScrubber } from "@ecr-push/core";
import type { TaskLib } from "./agent.js";

/**
 * Core's Logger and SecretMasker on the agent's logging commands, and the task's result line. A
 * masked value is registered with `##vso[task.setsecret]` at once (the agent then hides it in the
 * pipeline log) and scrubbed from every line this task prints itself.
 */
export class AgentLog implements Logger, SecretMasker {
  private readonly secrets = new SecretScrubber((secret) => this.tl.setSecret(secret));
  /** `logRequest`/`logResponse`: debug lines go to the visible log, not only to the debug log. */
  verbose = false;

  constructor(
    private readonly tl: TaskLib,
    private readonly write: (text: string) => void,
  ) {}

  mask(secret: string): void {
    this.secrets.mask(secret);
  }

  scrub(text: string): string {
    return this.secrets.scrub(text);
  }

  debug(message: string): void {
    if (this.verbose) this.line(`[debug] ${message}`);
    else this.tl.debug(this.scrub(message));
  }

  info(message: string): void {
    this.line(message);
  }

  warn(message: string): void {
    this.tl.warning(this.scrub(message));
  }

  error(message: string): void {
    this.tl.error(this.scrub(message));
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.line(`##[group]${title}`);
    try {
      return await fn();
    } finally {
      this.line("##[endgroup]");
    }
  }

  fail(message: string): void {
    this.tl.setResult(this.tl.TaskResult.Failed, this.scrub(message));
  }

  succeed(message: string): void {
    this.tl.setResult(this.tl.TaskResult.Succeeded, this.scrub(message));
  }

  private line(message: string): void {
    this.write(`${this.scrub(message)}\n`);
  }
}
