import { LineLog, type LineWriters } from "@ecr-push/core";

export type LogWriters = LineWriters;

/**
 * The job log: GitLab shows stdout and stderr as one plain-text log and masks only its masked
 * variables, so core's LineLog (which scrubs every line) serves, with groups as collapsed sections
 * (GitLab's section_start/section_end markers, which a terminal shows as the title alone).
 */
export class JobLog extends LineLog {
  private sections = 0;

  constructor(
    out: LogWriters,
    /** Core's debug lines (region and credential sources), shown when CI_DEBUG_TRACE is true. */
    verbose = false,
    private readonly now: () => number = Date.now,
  ) {
    super(out, verbose);
  }

  override async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
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
}
