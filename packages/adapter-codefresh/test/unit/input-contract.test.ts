import { uncoveredInputs } from "@ecr-push/core";
import { describe, expect, it } from "vitest";
import { CODEFRESH_INPUTS } from "../../src/inputs.js";

describe("the input contract", () => {
  it("spells every input of the commands this host offers, or says why not", () => {
    expect(uncoveredInputs(CODEFRESH_INPUTS, ["push", "promote"])).toEqual([]);
  });
});
