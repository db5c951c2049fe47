import { describe, expect, it } from "vitest";
import type { TaskLib } from "../../src/agent.js";
import { AgentLog } from "../../src/log.js";
import { AgentOutputs } from "../../src/outputs.js";

/** A task-lib stand-in recording the logging commands it would print. */
function fakeTaskLib() {
  const commands: string[] = [];
  const tl = {
    TaskResult: { Succeeded: 0, Failed: 2 },
    setSecret: (value: string) => commands.push(`setsecret ${value}`),
    setVariable: (name: string, value: string, secret?: boolean, isOutput?: boolean) =>
      commands.push(`setvariable ${name}=${value} secret=${secret} output=${isOutput}`),
    setResult: (result: number, message: string) => commands.push(`complete ${result} ${message}`),
    debug: (message: string) => commands.push(`debug ${message}`),
    warning: (message: string) => commands.push(`warning ${message}`),
    error: (message: string) => commands.push(`error ${message}`),
  } as unknown as TaskLib;
  return { tl, commands };
}

describe("AgentLog", () => {
  it("registers each secret once, line by line, and scrubs it from everything it prints", async () => {
    const { tl, commands } = fakeTaskLib();
    const lines: string[] = [];
    const log = new AgentLog(tl, (text) => lines.push(text));
    log.mask("first-secret");
    log.mask("first-secret");
    log.mask("line-one\nline-two");
    log.mask("abc");
    log.info("using first-secret and line-two");
    log.warn("warn first-secret");
    log.debug("debug line-one");
    await log.group("Group first-secret", async () => log.info("inside"));
    log.fail("failed with first-secret");
    expect(commands).toEqual([
      "setsecret first-secret",
      "setsecret line-one",
      "setsecret line-two",
      "warning warn ***",
      "debug debug ***",
      "complete 2 failed with ***",
    ]);
    expect(lines).toEqual(["using *** and ***\n", "##[group]Group ***\n", "inside\n", "##[endgroup]\n"]);
  });

  it("prints debug lines visibly when verbose (logRequest/logResponse)", () => {
    const { tl, commands } = fakeTaskLib();
    const lines: string[] = [];
    const log = new AgentLog(tl, (text) => lines.push(text));
    log.verbose = true;
    log.debug("Region eu-west-1 (from input).");
    expect(lines).toEqual(["[debug] Region eu-west-1 (from input).\n"]);
    expect(commands).toEqual([]);
  });
});

describe("AgentOutputs", () => {
  it("sets core's outputs as output variables, the URIs comma-separated, and named variables as plain ones", () => {
    const { tl, commands } = fakeTaskLib();
    const outputs = new AgentOutputs(tl);
    outputs.set("imageUris", "r/a:1\nr/a:2");
    outputs.set("digest", "sha256:abc");
    outputs.setVariable("IMAGE", "r/a:1");
    expect(commands).toEqual([
      "setvariable imageUris=r/a:1,r/a:2 secret=false output=true",
      "setvariable digest=sha256:abc secret=false output=true",
      "setvariable IMAGE=r/a:1 secret=false output=false",
    ]);
  });
});
