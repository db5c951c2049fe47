import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pendingExitRemovals, removeOnExit, removePendingNow } from "../../../src/engine/cleanup.js";

describe("exit cleanup registry", () => {
  it("holds one 'exit' listener while directories are pending and removes them at exit", () => {
    const before = process.listenerCount("exit");
    const a = mkdtempSync(path.join(tmpdir(), "exit-a-"));
    const b = mkdtempSync(path.join(tmpdir(), "exit-b-"));
    removeOnExit(a);
    const unregisterB = removeOnExit(b);
    expect(process.listenerCount("exit")).toBe(before + 1);
    expect(pendingExitRemovals()).toEqual(expect.arrayContaining([a, b]));

    unregisterB();
    expect(pendingExitRemovals()).not.toContain(b);
    removePendingNow(); // what process.on('exit') runs
    expect(existsSync(a)).toBe(false);
    expect(existsSync(b)).toBe(true);
    expect(pendingExitRemovals()).toEqual([]);
    expect(process.listenerCount("exit")).toBe(before);
    rmSync(b, { recursive: true });
  });

  it("drops the listener when the last directory is unregistered", () => {
    const before = process.listenerCount("exit");
    const unregister = removeOnExit(path.join(tmpdir(), "never-created"));
    unregister();
    unregister();
    expect(process.listenerCount("exit")).toBe(before);
  });
});
