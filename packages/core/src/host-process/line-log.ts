import type { Logger, SecretMasker } from "../ports/index.js";
import { SecretScrubber } from "../secrets/index.js";

/** Where a plain-text host's log goes. */
export interface LineWriters {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * The log of a host that shows a step's stdout and stderr as plain text and has no masking call
 * a step can make (Codefresh, GitLab): this Logger is also the SecretMasker, every line scrubbed
 * of the registered secrets first. Progress goes to stdout; warnings and errors to stderr. A group
 * is its title with its lines indented; a host with sections of its own overrides `group`.
 */
export class LineLog implements Logger, SecretMasker {
  readonly #secrets = new SecretScrubber();
  #indent = "";

  constructor(
    protected readonly out: LineWriters,
    /** Core's debug lines (region and credential sources), kept out of the log unless asked for. */
    private readonly verbose = false,
  ) {}

  mask(secret: string): void {
    this.#secrets.mask(secret);
  }

  scrub(text: string): string {
    return this.#secrets.scrub(text);
  }

  debug(message: string): void {
    if (this.verbose) this.write("stdout", `debug: ${message}`);
  }

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
    const outer = this.#indent;
    this.#indent += "  ";
    try {
      return await fn();
    } finally {
      this.#indent = outer;
    }
  }

  protected write(stream: keyof LineWriters, message: string): void {
    const lines = this.scrub(message)
      .split("\n")
      .map((line) => this.#indent + line);
    this.out[stream](`${lines.join("\n")}\n`);
  }
}
