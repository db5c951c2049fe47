import { type Logger, type SecretMasker, SecretScrubber } from "@ecr-push/core";

export interface LogWriters {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * The job log: GitLab shows stdout and stderr as one plain-text log and masks only its masked
 * variables, so this Logger is also the SecretMasker: every line is scrubbed of the registered
 * secrets first. Progress goes to stdout; warnings and errors to stderr. Groups become collapsed
 * sections (GitLab's section_start/section_end markers, which a terminal shows as the title alone).
 */
export class JobLog implements Logger, SecretMasker {
  private readonly secrets = new SecretScrubber();
  private sections = 0;

  constructor(
    private readonly out: LogWriters,
    /** Core's debug lines (region and credential sources), shown when CI_DEBUG_TRACE is true. */
    private readonly verbose = false,
    private readonly now: () => number = Date.now,
  ) {}

  mask(secret: string): void {
    this.secrets.mask(secret);
  }

  scrub(text: string): string {
    return this.secrets.scrub(text);
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
    const name = `ecr_push_${++this.sections}`;
    const seconds = () => Math.floor(this.now() / 1000);
    this.out.stdout(
      `\x1b[0Ksection_start:${seconds()}:${name}[collapsed=true]\r\x1b[0K${this.scrub(title)}\n`,
    );
    try {
      return await fn();
    } finally {
      this.out.stdout(`\x1b[0Ksection_end:${seconds()}:${name}\r\x1b[0K\n`);
    }
  }

  private write(stream: keyof LogWriters, message: string): void {
    this.out[stream](`${this.scrub(message)}\n`);
  }
}
