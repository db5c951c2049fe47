import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const taskJson = JSON.parse(readFileSync(new URL("../../task/task.json", import.meta.url), "utf8"));

describe("the execution handlers", () => {
  // Node20_1 is gone: the bundled AWS SDK warns on Node 20 and its 2027 releases need Node 22
  // (README, Agent and Node.js; packages/parity/test/integration/node-versions.test.ts).
  it("are Node24 only, from the first agent that has it", () => {
    expect(taskJson.execution).toEqual({ Node24: { target: "index.js", argumentFormat: "" } });
    expect(taskJson.minimumAgentVersion).toBe("4.265.1");
  });
});
