import { type Logger, type SecretMasker, SecretScrubber, type Transfer } from "@ecr-push/core";

/** Characters between the brackets of the upload bar. */
const BAR_WIDTH = 20;

export interface ConsoleLoggerOptions {
  quiet: boolean;
  debug: boolean;
  /** Redraw one live status line of uploads (a terminal, not quiet); off, progress is lines only. */
  live?: boolean;
  /** Terminal width, to keep the status line on one row. */
  columns?: number;
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
  private readonly transfers = new Map<string, Transfer>();
  /** Bytes moved since the first transfer update, for the rate. */
  private moved = 0;
  private firstUpdate = 0;
  private lastDraw = 0;
  private statusShown = false;
  /** Uploads finished since the status line appeared: their bytes stay in the bar's sums. */
  private finishedBytes = 0;
  private finishedTotal = 0;

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

  progress(transfer: Transfer): void {
    if (!this.options.live) return;
    const before = this.transfers.get(transfer.id)?.bytes ?? 0;
    // A retried upload starts again from zero: count its bytes anew.
    this.moved += transfer.bytes >= before ? transfer.bytes - before : transfer.bytes;
    this.firstUpdate ||= Date.now();
    if (transfer.done) {
      this.transfers.delete(transfer.id);
      this.finishedBytes += transfer.bytes;
      this.finishedTotal += transfer.total ?? transfer.bytes;
    } else this.transfers.set(transfer.id, transfer);
    const now = Date.now();
    if (transfer.done || now - this.lastDraw >= 100) {
      this.lastDraw = now;
      this.draw();
    }
  }

  /**
   * One status line, redrawn in place: a bar and percentage over the uploads under way (and those
   * finished since the line appeared) when their sizes are known, else their bytes; then the rate
   * and each upload's id and share, which are cut first when the terminal is narrow. Plain characters only:
   * the line uses no colour, so NO_COLOR and FORCE_COLOR=0 have nothing to turn off.
   */
  private draw(): void {
    if (this.transfers.size === 0) {
      this.clearStatus();
      return;
    }
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const active = [...this.transfers.values()];
    const seconds = (Date.now() - this.firstUpdate) / 1000;
    // A rate over the first few milliseconds would be noise.
    const rate = seconds >= 0.2 ? ` at ${mib(this.moved / seconds)} MiB/s` : "";
    let text: string;
    if (active.every((t) => t.total)) {
      const bytes = this.finishedBytes + active.reduce((sum, t) => sum + t.bytes, 0);
      const total = this.finishedTotal + active.reduce((sum, t) => sum + (t.total ?? 0), 0);
      const share = total > 0 ? Math.min(1, bytes / total) : 0;
      const filled = Math.round(share * BAR_WIDTH);
      const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
      // Each layer under way with its own share, so a slow one stands out.
      const ids = active
        .map((t) => `${t.id} ${Math.floor((100 * t.bytes) / Math.max(1, t.total ?? 1))}%`)
        .join(", ");
      text = `Uploading ${bar} ${Math.floor(share * 100)}% ${mib(bytes)}/${mib(total)} MiB${rate}: ${ids}`;
    } else {
      const parts = active.map((t) => `${t.id} ${mib(t.bytes)}${t.total ? `/${mib(t.total)}` : ""} MiB`);
      text = `Uploading ${parts.join(", ")}${rate}`;
    }
    const width = Math.max(20, (this.options.columns || 80) - 1); // 0 means unknown, as under `script`
    this.options.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    // A new batch of uploads starts its bar from zero; a log line above the bar does not.
    if (this.transfers.size === 0) this.finishedBytes = this.finishedTotal = 0;
    if (!this.statusShown) return;
    this.options.write("\r\x1b[K");
    this.statusShown = false;
  }

  private line(message: string): void {
    const indent = "  ".repeat(this.depth);
    const text = this.scrub(message)
      .split("\n")
      .map((l) => indent + l)
      .join("\n");
    // A log line goes above the live status line, which is then drawn again below it.
    this.clearStatus();
    this.options.write(`${text}\n`);
    if (this.transfers.size > 0) this.draw();
  }
}
