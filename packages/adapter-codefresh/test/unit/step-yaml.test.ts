import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { STEP_ARGUMENTS } from "../../src/inputs.js";
import { exportedVariables } from "../../src/outputs.js";

const stepYaml = parse(readFileSync(new URL("../../step.yaml", import.meta.url), "utf8"));

interface Schema {
  type: string;
  additionalProperties: boolean;
  required: string[];
  properties: Record<string, { type: string; description: string; default?: unknown }>;
}

describe("step.yaml", () => {
  it("is a version 1.0 step-type with the metadata the marketplace shows", () => {
    expect(stepYaml).toMatchObject({ version: "1.0", kind: "step-type" });
    const { metadata } = stepYaml;
    for (const field of [
      "name",
      "version",
      "description",
      "sources",
      "maintainers",
      "categories",
      "examples",
    ]) {
      expect(metadata[field], field).toBeTruthy();
    }
    expect(metadata.examples.length).toBeGreaterThan(0);
  });

  const args: Schema = JSON.parse(stepYaml.spec.arguments);

  it("documents exactly the variables the entry reads, each with a description", () => {
    expect(args.type).toBe("object");
    expect(args.additionalProperties).toBe(false);
    expect(Object.keys(args.properties).sort()).toEqual(Object.keys(STEP_ARGUMENTS).sort());
    // IMAGE (push) or SOURCE (promote): the step says in one sentence when neither is given.
    expect(args.required).toEqual(["REPOSITORY"]);
    for (const [name, property] of Object.entries(args.properties)) {
      expect(property.description, name).toMatch(/\.$/);
    }
  });

  it("gives the defaults the entry applies, typed as the schema says", () => {
    for (const [name, argument] of Object.entries(STEP_ARGUMENTS)) {
      const property = args.properties[name];
      const expected = "default" in argument ? argument.default : undefined;
      expect(property?.default, name).toEqual(expected);
      const type = "schemaType" in argument ? argument.schemaType : undefined;
      expect(property?.type, name).toBe(type ?? (typeof expected === "boolean" ? "boolean" : "string"));
    }
  });

  it("returns exactly the variables the step exports", () => {
    const returns: Schema = JSON.parse(stepYaml.spec.returns);
    const exported = exportedVariables({
      imageUri: "r/x:a",
      imageUris: ["r/x:a"],
      digest: "sha256:0",
      registry: "r",
      sourceDigest: "sha256:0",
    } as never);
    expect(Object.keys(returns.properties).sort()).toEqual(Object.keys(exported).sort());
    // ECR_SOURCE_DIGEST is exported after a promote only.
    expect(returns.required.sort()).toEqual(
      Object.keys(exported)
        .filter((k) => k !== "ECR_SOURCE_DIGEST")
        .sort(),
    );
  });

  it("passes every argument to the image as an environment variable of the same name", () => {
    expect(stepYaml.spec.delimiters).toEqual({ left: "[[", right: "]]" });
    const template: string = stepYaml.spec.stepsTemplate;
    expect(template).toMatch(/range \$name, \$value := \.Arguments/);
    expect(template).toContain("'[[ $name ]]=[[ $value ]]'");
    expect(template).toMatch(/image: \S+:\d+\.\d+\.\d+/);
  });
});
