import { uncoveredInputs } from "@ecr-push/core";
import { describe, expect, it } from "vitest";
import { CLI_INPUTS } from "../../src/commands/inputs.js";

describe("the input contract", () => {
  it("spells every input of the commands this host offers, or says why not", () => {
    expect(uncoveredInputs(CLI_INPUTS, ["push", "retag", "promote"])).toEqual([]);
  });
});

describe("the CLI's spellings", () => {
  it("name flags the commands accept", async () => {
    const { CLI_INPUTS } = await import("../../src/commands/inputs.js");
    const { runCli } = await import("../../src/cli.js");
    const help = [] as string[];
    const io = {
      stdout: (text: string) => help.push(text),
      stderr: () => {},
      env: {},
      signal: new AbortController().signal,
    };
    for (const command of ["push", "retag", "promote"]) await runCli([command, "--help"], io as never);
    const text = help.join("\n");
    for (const spelled of Object.values(CLI_INPUTS)) {
      if (typeof spelled === "string" && spelled.startsWith("--")) expect(text).toContain(spelled);
    }
  });
});
