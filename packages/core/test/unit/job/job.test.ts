import { describe, expect, it } from "vitest";
import {
  asEcrPushError,
  InputError,
  PushFailedError,
  parseCommand,
  runCommand,
  systemClock,
} from "../../../src/index.js";

const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  group: <T>(_: string, fn: () => Promise<T>) => fn(),
};

describe("asEcrPushError", () => {
  it("keeps an EcrPushError as it is", () => {
    const error = new PushFailedError("RepositoryNotFound", "Repository missing.");
    expect(asEcrPushError(error)).toBe(error);
  });

  it("turns anything else into one line with a stable code", () => {
    const wrapped = asEcrPushError(new TypeError("x is not a function\n    at foo (bar.js:1:1)"));
    expect(wrapped.code).toBe("Unexpected");
    expect(wrapped.kind).toBe("failure");
    expect(wrapped.message).toBe("The push failed unexpectedly: x is not a function");
    expect(asEcrPushError("boom").message).toBe("The push failed unexpectedly: boom");
  });
});

describe("parseCommand and runCommand", () => {
  it("rejects bad input with the host's input name before touching the engine or AWS", async () => {
    const outputs: string[] = [];
    const inputNames = { repository: "repositoryName" };
    const error = await (async () =>
      runCommand(parseCommand({ source: "web:1", repository: "Bad_Repo" }, inputNames), {
        logger: silent,
        outputs: { set: (name) => outputs.push(name) },
        secrets: { mask() {} },
        env: { PATH: "" },
        inputNames,
      }))().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^Invalid repositoryName "Bad_Repo"/);
    expect(outputs).toEqual([]);
  });
});

describe("systemClock", () => {
  it("sleeps, and stops sleeping when aborted", async () => {
    const start = Date.now();
    await systemClock.sleep(20);
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const sleeping = systemClock.sleep(10_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
  });
});
