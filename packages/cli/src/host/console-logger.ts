import { type Logger, type SecretMasker, SecretScrubber } from "@ecr-push/core";

export interface ConsoleLoggerOptions {
  quiet: boolean;
  debug: boolean;
  /** Where lines go; stderr, so stdout carries only results. */
  write: (text: string) => void;
}

/**
 * The CLI's Logger and SecretMasker in one: every line passes through `scrub`, so a value registered
 * with `mask()` is replaced by *** wherever it would appear, whoever printed it.
 */
export class ConsoleLogger implements Logger, SecretMasker {
  private readonly secrets = new SecretScrubber();
  private depth = 0;

  constructor(private readonly options: ConsoleLoggerOptions) {}

  mask(secret: string): void {
    this.secrets.mask(secret);
  }

  scrub(text: string): string {
    return this.secrets.scrub(text);
  }

  debug(message: string): void {
    if (this.options.debug) this.line(`debug: ${message}`);
  }

  info(message: string): void {
    if (!this.options.quiet) this.line(message);
  }

  warn(message: string): void {
    this.line(`warning: ${message}`);
  }

  error(message: string): void {
    this.line(`error: ${message}`);
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.info(title);
    this.depth++;
    try {
      return await fn();
    } finally {
      this.depth--;
    }
  }

  private line(message: string): void {
    const indent = "  ".repeat(this.depth);
    const text = this.scrub(message)
      .split("\n")
      .map((l) => indent + l)
      .join("\n");
    this.options.write(`${text}\n`);
  }
}
