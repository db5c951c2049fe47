import { type Logger, type SecretMasker, SecretScrubber } from "@ecr-push/core";

export interface StepWriters {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Codefresh shows a step's stdout and stderr as its log and has no masking call a step can make,
 * so this Logger is also the SecretMasker: every line is scrubbed of the registered secrets first.
 * Progress goes to stdout; warnings and errors to stderr.
 */
export class StepLogger implements Logger, SecretMasker {
  private readonly secrets = new SecretScrubber();
  private indent = "";

  constructor(private readonly out: StepWriters) {}

  mask(secret: string): void {
    this.secrets.mask(secret);
  }

  scrub(text: string): string {
    return this.secrets.scrub(text);
  }

  /** Core's debug details (region and credential sources) are kept out of the build log, as in the CLI by default. */
  debug(_message: string): void {}

  info(message: string): void {
    this.write("stdout", message);
  }

  warn(message: string): void {
    this.write("stderr", `warning: ${message}`);
  }

  error(message: string): void {
    this.write("stderr", `error: ${message}`);
  }

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.info(title);
    const outer = this.indent;
    this.indent += "  ";
    try {
      return await fn();
    } finally {
      this.indent = outer;
    }
  }

  private write(stream: keyof StepWriters, message: string): void {
    const lines = this.scrub(message)
      .split("\n")
      .map((line) => this.indent + line);
    this.out[stream](`${lines.join("\n")}\n`);
  }
}
