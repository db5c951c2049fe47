import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { COMPONENT_INPUTS, GITLAB_INPUTS, TEMPLATE_INPUTS, variableFor } from "../../src/inputs.js";

const text = readFileSync(new URL("../../../../templates/ecr-push.yml", import.meta.url), "utf8");
const documents = parseAllDocuments(text);

interface Input {
  description?: string;
  type?: string;
  default?: unknown;
  options?: unknown[];
}

const [header, body] = documents.map((d) => d.toJS()) as [
  { spec: { inputs: Record<string, Input> } },
  Record<string, Record<string, unknown>>,
];
const inputs = header.spec.inputs;
const job = body["$[[ inputs.job-name ]]"] as {
  image: { name: string; entrypoint: string[] };
  id_tokens: Record<string, { aud: string }>;
  variables: Record<string, string>;
  cache: { paths: string[] };
  script: string[];
  artifacts: { reports: { dotenv: string } };
};

describe("templates/ecr-push.yml", () => {
  it("is a component: a spec header, then one job named by an input", () => {
    expect(documents.map((d) => d.errors)).toEqual([[], []]);
    expect(Object.keys(header)).toEqual(["spec"]);
    expect(Object.keys(body)).toEqual(["$[[ inputs.job-name ]]"]);
  });

  it("declares exactly the inputs the job reads and those that shape the job, each described", () => {
    expect(Object.keys(inputs).sort()).toEqual([...Object.keys(COMPONENT_INPUTS), ...TEMPLATE_INPUTS].sort());
    for (const [name, input] of Object.entries(inputs)) expect(input.description, name).toMatch(/\.$/);
    // Every spelling core's sentences use is an input users can find in the template.
    for (const spelling of Object.values(GITLAB_INPUTS)) {
      if (typeof spelling === "string") expect(Object.keys(inputs)).toContain(spelling);
    }
  });

  it("gives the defaults the job applies, typed as GitLab checks them; only repository is required", () => {
    for (const [name, spec] of Object.entries(COMPONENT_INPUTS)) {
      const input = inputs[name] as Input;
      if (name === "repository") {
        expect(input).not.toHaveProperty("default");
        continue;
      }
      const expected = "default" in spec ? spec.default : "";
      expect([name, input.default]).toEqual([name, expected]);
      expect([name, input.type]).toEqual([name, typeof expected === "boolean" ? "boolean" : undefined]);
      if (input.options) expect(input.options, name).toContain(expected);
    }
  });

  it("hands every input the job reads to it as ECR_PUSH_<NAME>, and nothing else", () => {
    const expected = Object.fromEntries(
      Object.keys(COMPONENT_INPUTS).map((name) => [variableFor(name), `$[[ inputs.${name} ]]`]),
    );
    expect(job.variables).toEqual(expected);
  });

  it("runs the bundled entry in the job image, with the ID token, the layer cache and the dotenv report", () => {
    expect(job.image).toEqual({ name: "$[[ inputs.job-image ]]", entrypoint: [""] });
    expect(inputs["job-image"]?.default).toMatch(/^ghcr\.io\/ecr-push\/gitlab-job:\d+\.\d+\.\d+$/);
    expect(job.script).toEqual(["node /opt/ecr-push/index.js"]);
    expect(job.id_tokens).toEqual({
      "$[[ inputs.id-token-variable ]]": { aud: "$[[ inputs.id-token-aud ]]" },
    });
    expect(job.cache.paths).toEqual([".ecr-push-cache/"]);
    expect(job.artifacts.reports.dotenv).toBe("$[[ inputs.dotenv ]]");
  });
});
