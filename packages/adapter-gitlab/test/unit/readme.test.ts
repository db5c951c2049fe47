// README.md's tables are written by scripts/docs.mjs: the inputs from templates/ecr-push.yml, the
// outputs from its GITLAB_DOTENV; testkit's docs drift test (`docs.mjs --check`) keeps them so.
// What the generator cannot see is the job's code: this keeps that table's variables the report's.
import { readFileSync } from "node:fs";
import type { CommandResult } from "@ecr-push/core";
import { describe, expect, it } from "vitest";
import { dotenvVariables } from "../../src/outputs.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The first cell of each row between the outputs markers, backticks dropped, header and rule left out. */
function outputNames(text: string): string[] {
  const body = text.slice(text.indexOf("<!-- outputs:start -->"), text.indexOf("<!-- outputs:end -->"));
  return body
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2)
    .map((line) => (line.split("|")[1] ?? "").trim().replaceAll("`", ""));
}

describe("README.md", () => {
  it("lists as outputs exactly the variables the dotenv report of a promote holds (else edit GITLAB_DOTENV in scripts/docs.mjs)", () => {
    const promote = {
      imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:1",
      imageUris: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:1"],
      digest: `sha256:${"ab".repeat(32)}`,
      registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      sourceDigest: `sha256:${"ab".repeat(32)}`,
    } as CommandResult;
    expect(outputNames(readme)).toEqual(Object.keys(dotenvVariables(promote)));
  });
});
