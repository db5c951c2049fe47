import { afterEach, describe, expect, it, vi } from "vitest";
import { ConsoleLogger } from "../../src/host/console-logger.js";

function logger(options: { quiet?: boolean; debug?: boolean } = {}) {
  const lines: string[] = [];
  const log = new ConsoleLogger({ quiet: false, debug: false, ...options, write: (t) => lines.push(t) });
  return { log, lines };
}

describe("ConsoleLogger", () => {
  it("replaces masked secrets in every line", () => {
    const { log, lines } = logger({ debug: true });
    log.mask("s3cr3t-value");
    log.info("token=s3cr3t-value and again s3cr3t-value");
    log.debug("s3cr3t-value");
    log.error("bad s3cr3t-value");
    expect(lines.join("")).not.toContain("s3cr3t-value");
    expect(lines[0]).toBe("token=*** and again ***\n");
  });

  it("hides info when quiet but keeps warnings and errors", () => {
    const { log, lines } = logger({ quiet: true });
    log.info("progress");
    log.warn("careful");
    log.error("broken");
    expect(lines).toEqual(["warning: careful\n", "error: broken\n"]);
  });

  it("prints debug only when asked", () => {
    const quiet = logger();
    quiet.log.debug("x");
    expect(quiet.lines).toEqual([]);
    const loud = logger({ debug: true });
    loud.log.debug("x");
    expect(loud.lines).toEqual(["debug: x\n"]);
  });

  it("indents lines inside a group", async () => {
    const { log, lines } = logger();
    await log.group("Pushing", async () => log.info("layer: Pushed"));
    expect(lines).toEqual(["Pushing\n", "  layer: Pushed\n"]);
  });
});

describe("ConsoleLogger live progress", () => {
  const MiB = 1024 * 1024;

  it("shows nothing unless live (not a terminal, or quiet)", () => {
    const { log, lines } = logger();
    log.progress({ id: "aaaaaaaaaaaa", bytes: MiB, total: 4 * MiB });
    expect(lines).toEqual([]);
  });

  it("redraws one status line in place and keeps log lines above it", () => {
    const out: string[] = [];
    const log = new ConsoleLogger({
      quiet: false,
      debug: false,
      live: true,
      columns: 200,
      write: (t) => out.push(t),
    });
    log.progress({ id: "aaaaaaaaaaaa", bytes: MiB, total: 4 * MiB });
    expect(out.at(-1)).toBe("\r\x1b[KUploading [#####---------------] 25% 1.0/4.0 MiB: aaaaaaaaaaaa 25%");
    log.info("bbbbbbbbbbbb: Pushed 2.0 MiB");
    // The status line is cleared, the log line printed, and the status drawn again below it.
    expect(out.slice(-3)).toEqual([
      "\r\x1b[K",
      "bbbbbbbbbbbb: Pushed 2.0 MiB\n",
      "\r\x1b[KUploading [#####---------------] 25% 1.0/4.0 MiB: aaaaaaaaaaaa 25%",
    ]);
    log.progress({ id: "aaaaaaaaaaaa", bytes: 4 * MiB, total: 4 * MiB, done: true });
    expect(out.at(-1)).toBe("\r\x1b[K");
  });

  it("keeps the status line within the terminal's width", () => {
    const out: string[] = [];
    const log = new ConsoleLogger({
      quiet: false,
      debug: false,
      live: true,
      columns: 25,
      write: (t) => out.push(t),
    });
    log.progress({ id: "aaaaaaaaaaaa", bytes: MiB, total: 4 * MiB });
    const shown = (out.at(-1) ?? "").replace("\r\x1b[K", "");
    expect(shown.length).toBeLessThanOrEqual(24);
    expect(shown.endsWith("…")).toBe(true);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("draws one bar over the uploads under way and those finished since it appeared", () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const log = new ConsoleLogger({
      quiet: false,
      debug: false,
      live: true,
      columns: 200,
      write: (t) => out.push(t),
    });
    log.progress({ id: "aaaaaaaaaaaa", bytes: 0, total: 2 * MiB });
    vi.advanceTimersByTime(100); // redraws are at most every 100 ms
    log.progress({ id: "bbbbbbbbbbbb", bytes: MiB, total: 2 * MiB });
    expect(out.at(-1)).toBe(
      "\r\x1b[KUploading [#####---------------] 25% 1.0/4.0 MiB: aaaaaaaaaaaa 0%, bbbbbbbbbbbb 50%",
    );
    log.progress({ id: "bbbbbbbbbbbb", bytes: 2 * MiB, total: 2 * MiB, done: true });
    // The finished upload still counts: the bar never moves backwards while uploads go on.
    expect(out.at(-1)).toBe("\r\x1b[KUploading [##########----------] 50% 2.0/4.0 MiB: aaaaaaaaaaaa 0%");
    log.progress({ id: "aaaaaaaaaaaa", bytes: 2 * MiB, total: 2 * MiB, done: true });
    expect(out.at(-1)).toBe("\r\x1b[K");
    // The next batch starts from zero.
    vi.advanceTimersByTime(100);
    log.progress({ id: "cccccccccccc", bytes: MiB, total: 4 * MiB });
    // 5 MiB moved in 0.2 s.
    expect(out.at(-1)).toBe(
      "\r\x1b[KUploading [#####---------------] 25% 1.0/4.0 MiB at 25.0 MiB/s: cccccccccccc 25%",
    );
  });

  it("lists bytes without a bar when a size is unknown", () => {
    vi.useFakeTimers();
    const out: string[] = [];
    const log = new ConsoleLogger({
      quiet: false,
      debug: false,
      live: true,
      columns: 200,
      write: (t) => out.push(t),
    });
    log.progress({ id: "aaaaaaaaaaaa", bytes: MiB, total: 4 * MiB });
    vi.advanceTimersByTime(100);
    log.progress({ id: "bbbbbbbbbbbb", bytes: 3 * MiB });
    expect(out.at(-1)).toBe("\r\x1b[KUploading aaaaaaaaaaaa 1.0/4.0 MiB, bbbbbbbbbbbb 3.0 MiB");
  });

  it("writes no colour codes, so NO_COLOR and FORCE_COLOR=0 hold on a terminal too", async () => {
    const out: string[] = [];
    const log = new ConsoleLogger({
      quiet: false,
      debug: true,
      live: true,
      columns: 80,
      write: (t) => out.push(t),
    });
    await log.group("Pushing", async () => {
      log.progress({ id: "aaaaaaaaaaaa", bytes: MiB, total: 4 * MiB });
      log.info("info");
      log.debug("debug");
      log.warn("careful");
      log.error("broken");
      log.progress({ id: "aaaaaaaaaaaa", bytes: 4 * MiB, total: 4 * MiB, done: true });
    });
    const text = out.join("");
    // Only the status line's own controls: carriage return and erase-line (ESC [ K).
    expect(text.split("\r\x1b[K").join("")).not.toContain("\x1b");
  });
});
