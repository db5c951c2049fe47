import { afterEach, describe, expect, it } from "vitest";
import { type HostProcess, startHostProcess } from "../../../src/host-process/index.js";

describe("startHostProcess", () => {
  let host: HostProcess | undefined;
  afterEach(() => host?.dispose());

  it("aborts on the first signal and ends a run it interrupted with 128 + the signal number", () => {
    host = startHostProcess();
    expect(host.exitCode(1)).toBe(1);
    process.emit("SIGTERM", "SIGTERM");
    expect(host.signal.aborted).toBe(true);
    expect(String(host.signal.reason)).toContain("SIGTERM");
    expect(host.received()).toBe("SIGTERM");
    expect(host.exitCode(1)).toBe(143);
    // A run that stopped cleanly on the signal (the CLI's `local`) still ends 0.
    expect(host.exitCode(0)).toBe(0);
  });

  it("sends process warnings where the host logs them, on one line", () => {
    const lines: string[] = [];
    host = startHostProcess({ warning: (line) => lines.push(line) });
    process.emit(
      "warning",
      Object.assign(new Error("the SDK\nwants Node 22"), { name: "NodeVersionWarning" }),
    );
    expect(lines).toEqual(["NodeVersionWarning: the SDK wants Node 22"]);
  });

  it("leaves the process's handlers as they were once disposed", () => {
    const before = process.listenerCount("SIGINT");
    startHostProcess().dispose();
    expect(process.listenerCount("SIGINT")).toBe(before);
  });
});
