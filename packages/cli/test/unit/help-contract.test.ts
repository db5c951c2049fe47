import type { HostInputEntry } from "@ecr-push/core";
import { describe, expect, it, vi } from "vitest";
import { CLI_INPUTS } from "../../src/commands/inputs.js";
import { cli } from "./run-cli.js";

// A core input added for retag only, as a change to core would add it.
vi.mock("@ecr-push/core", async (importOriginal) => {
  const core = await importOriginal<typeof import("@ecr-push/core")>();
  return {
    ...core,
    INPUTS: {
      ...core.INPUTS,
      buildNote: { kind: "text", commands: ["retag"], help: "A note recorded with the new tags." },
    },
  };
});

describe("a core input the CLI spells", () => {
  it("is in the help and the parser of the commands that read it, with no usage text edited", async () => {
    // The one edit the compiler asks for: the input's CLI spelling. The commands load after it.
    (CLI_INPUTS as Record<string, HostInputEntry>).buildNote = "--build-note";
    const retag = await cli("retag", "--help");
    expect(retag.stdout).toMatch(/\n {6}--build-note VALUE +A note recorded with the new tags\n/);
    const { RETAG_OPTIONS } = await import("../../src/commands/retag.js");
    expect(RETAG_OPTIONS).toHaveProperty("build-note", { type: "string" });
    for (const other of ["push", "promote"]) {
      expect((await cli(other, "--help")).stdout).not.toContain("--build-note");
    }
  });
});
