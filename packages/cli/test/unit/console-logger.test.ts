import { describe, expect, it } from "vitest";
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
