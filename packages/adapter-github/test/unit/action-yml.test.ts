import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { INPUT_KEYS } from "@ecr-push/core";
import { actionInputEnv as inputEnv } from "@ecr-push/e2e";
import { describe, expect, it } from "vitest";
import { ACTION_INPUTS, readInputs } from "../../src/inputs.js";
import { ACTION_OUTPUTS } from "../../src/outputs.js";
import { ACTION_YML, actionMetadata } from "../action-yml.js";

const action = actionMetadata();
const repoRoot = path.dirname(ACTION_YML);
const packageDir = fileURLToPath(new URL("../..", import.meta.url));

describe("action.yml, the action's public contract", () => {
  it("documents exactly the inputs the code reads, each with a description", () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(ACTION_INPUTS).sort());
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description, name).toMatch(/\S{3,}/);
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });

  it("feeds every input to a distinct core input", () => {
    const keys = Object.values(ACTION_INPUTS);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(INPUT_KEYS).toContain(key);
  });

  it("requires image and repository, and defaults only inputs that are harmless when always set", () => {
    const required = Object.entries(action.inputs).filter(([, i]) => i.required === true);
    // image or source: a promote leaves image empty, so neither can be required on its own.
    expect(required.map(([n]) => n).sort()).toEqual(["repository"]);
    const defaults = Object.fromEntries(
      Object.entries(action.inputs)
        .filter(([, i]) => i.default !== undefined)
        .map(([n, i]) => [n, i.default]),
    );
    // The runner passes every default: a default for role-* would be an error without role-to-assume.
    // No default for tags: empty means latest for a push and the source's tag for a promote.
    // engine auto and compression gzip are core's own defaults, and a promote ignores both;
    // drop-attestations false keeps an index whole, as when unset.
    expect(defaults).toEqual({
      "create-repository": "false",
      "remove-local-image": "false",
      engine: "auto",
      compression: "gzip",
      "drop-attestations": "false",
    });
  });

  it("documents exactly the outputs core sets", () => {
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(ACTION_OUTPUTS).sort());
    for (const [name, output] of Object.entries(action.outputs))
      expect(output.description, name).toMatch(/\S{3,}/);
  });

  it("runs the bundle build.mjs writes, on node24", () => {
    expect(action.runs).toEqual({ using: "node24", main: "packages/adapter-github/dist/index.js" });
    expect(
      path
        .relative(repoRoot, path.join(packageDir, "dist", "index.js"))
        .split(path.sep)
        .join("/"),
    ).toBe(action.runs.main);
    expect(readFileSync(path.join(packageDir, "build.mjs"), "utf8")).toContain(
      'entries: { index: "src/main.ts" }',
    );
  });

  it("reads each input from the variable the runner sets (hyphens kept, upper-cased)", () => {
    const env = inputEnv({ image: "web:1", "role-to-assume": "arn", "aws-session-token": "t" });
    expect(env).toMatchObject({
      INPUT_IMAGE: "web:1",
      "INPUT_ROLE-TO-ASSUME": "arn",
      "INPUT_AWS-SESSION-TOKEN": "t",
      "INPUT_CREATE-REPOSITORY": "false",
    });
    const raw = readInputs((name) => env[`INPUT_${name.toUpperCase()}`] ?? "");
    expect(raw).toMatchObject({
      source: "web:1",
      roleArn: "arn",
      sessionToken: "t",
      tags: "",
      region: "",
    });
  });
});
