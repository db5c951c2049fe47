import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

const template = parseAllDocuments(
  readFileSync(new URL("../../../../templates/ecr-push.yml", import.meta.url), "utf8"),
)[0]?.toJS() as {
  spec: {
    inputs: Record<string, { description: string; type?: string; default?: unknown; options?: string[] }>;
  };
};
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The README's inputs table as the template describes it: one row per input, in its order. */
function inputRows(): string[][] {
  return Object.entries(template.spec.inputs).map(([name, input]) => {
    const options = input.options ? ` (one of ${input.options.map((o) => `\`${o}\``).join(", ")})` : "";
    const value =
      input.default === undefined ? "required" : input.default === "" ? "" : `\`${input.default}\``;
    return [`\`${name}\``, input.type ?? "string", value, `${input.description}${options}`];
  });
}

/** The rows between the inputs markers, cells trimmed (biome pads them), header and rule left out. */
function tableRows(text: string): string[][] {
  const body = text.slice(text.indexOf("<!-- inputs:start -->"), text.indexOf("<!-- inputs:end -->"));
  return body
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replaceAll("\\|", "|")),
    );
}

describe("README.md", () => {
  it("lists every input of templates/ecr-push.yml with its type, default and description", () => {
    expect(tableRows(readme)).toEqual(inputRows());
  });
});
