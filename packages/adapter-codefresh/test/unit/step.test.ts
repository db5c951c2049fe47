import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PushResult } from "@ecr-push/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CODEFRESH_INPUT_NAMES, secretArguments, stepInputs } from "../../src/inputs.js";
import { StepLogger } from "../../src/log.js";
import { exportOutputs } from "../../src/outputs.js";
import { runStep, stepCacheDir } from "../../src/run.js";

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    writers: {
      stdout: (text: string) => {
        out.stdout += text;
      },
      stderr: (text: string) => {
        out.stderr += text;
      },
    },
  };
}

const result = {
  imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:1.4.2",
  imageUris: [
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:1.4.2",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:latest",
  ],
  digest: `sha256:${"ab".repeat(32)}`,
  registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
} as PushResult;

const EXPORTED = [
  `ECR_IMAGE_URI=${result.imageUri}`,
  `ECR_IMAGE_URIS=${result.imageUris.join(",")}`,
  `ECR_IMAGE_DIGEST=${result.digest}`,
  `ECR_REGISTRY=${result.registry}`,
];

describe("arguments", () => {
  it("map onto core's inputs, unset ones left unset", () => {
    expect(
      stepInputs({
        IMAGE: "web:1",
        REPOSITORY: "team/web",
        TAGS: "a,b",
        CREATE_REPOSITORY: "true",
        OTHER: "x",
      }),
    ).toEqual(
      expect.objectContaining({
        source: "web:1",
        repository: "team/web",
        tags: "a,b",
        createRepository: "true",
        region: undefined,
        accessKeyId: undefined,
      }),
    );
  });

  it("name core's inputs as the Codefresh user writes them", () => {
    expect(CODEFRESH_INPUT_NAMES).toMatchObject({
      source: "IMAGE",
      tags: "TAGS",
      roleArn: "ROLE_ARN",
      secretAccessKey: "AWS_SECRET_ACCESS_KEY",
    });
  });

  it("pass ENGINE on to core's engine input, named as written", () => {
    expect(stepInputs({ IMAGE: "web:1", ENGINE: "docker" })).toMatchObject({ engine: "docker" });
    expect(stepInputs({ IMAGE: "web:1" }).engine).toBeUndefined();
    expect(CODEFRESH_INPUT_NAMES.engine).toBe("ENGINE");
  });

  it("list the secret values to mask", () => {
    expect(
      secretArguments({
        AWS_ACCESS_KEY_ID: "AKIA1",
        AWS_SECRET_ACCESS_KEY: " s3cret ",
        AWS_SESSION_TOKEN: "",
      }),
    ).toEqual(["s3cret"]);
  });
});

describe("the layer cache folder", () => {
  it("is .ecr-push-cache on the shared volume, which outlives the build, and none without it", () => {
    expect(stepCacheDir({ CF_VOLUME_PATH: "/codefresh/volume" })).toBe("/codefresh/volume/.ecr-push-cache");
    expect(stepCacheDir({ CF_VOLUME_PATH: " " })).toBeUndefined();
    expect(stepCacheDir({})).toBeUndefined();
  });
});

describe("StepLogger", () => {
  it("scrubs masked secrets from every line, indents groups, and keeps debug out", async () => {
    const { out, writers } = capture();
    const logger = new StepLogger(writers);
    logger.mask("topsecretvalue");
    logger.mask("abc");
    await logger.group("Pushing", async () => {
      logger.info("token topsecretvalue\nabc");
      logger.debug("topsecretvalue");
    });
    logger.warn("again topsecretvalue");
    expect(out.stdout).toBe("Pushing\n  token ***\n  abc\n");
    expect(out.stderr).toBe("warning: again ***\n");
  });
});

describe("exportOutputs", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "cf-volume-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("appends NAME=value lines after what earlier steps exported, and prints them", () => {
    const file = path.join(dir, "env_vars_to_export");
    writeFileSync(file, "EARLIER=1");
    const { out, writers } = capture();
    exportOutputs(result, { CF_VOLUME_PATH: dir }, new StepLogger(writers));
    expect(readFileSync(file, "utf8")).toBe(`EARLIER=1\n${EXPORTED.join("\n")}\n`);
    expect(out.stdout).toBe(`Exported to ${file}:\n${EXPORTED.map((l) => `  ${l}\n`).join("")}`);
    expect(out.stderr).toBe("");
  });

  it("says so and only prints them without CF_VOLUME_PATH", () => {
    const { out, writers } = capture();
    exportOutputs(result, {}, new StepLogger(writers));
    expect(out.stderr).toMatch(/^warning: CF_VOLUME_PATH is not set/);
    expect(out.stdout).toBe(EXPORTED.map((l) => `  ${l}\n`).join(""));
  });

  it("fails in one sentence when the volume cannot be written", () => {
    const { writers } = capture();
    expect(() =>
      exportOutputs(result, { CF_VOLUME_PATH: path.join(dir, "missing") }, new StepLogger(writers)),
    ).toThrow(/^The image was pushed, but its outputs could not be written to .*CF_VOLUME_PATH/);
  });
});

describe("runStep on bad input (nothing is sent anywhere)", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ REPOSITORY: "team/web" }, /^error: Missing IMAGE: /],
    [{ IMAGE: "web:1", REPOSITORY: "Team Web" }, /^error: Invalid REPOSITORY "Team Web": /],
    [{ IMAGE: "web:1", REPOSITORY: "team/web", TAGS: "ok,-bad" }, /^error: Invalid TAGS "-bad": /],
    [
      { IMAGE: "web:1", REPOSITORY: "team/web", CREATE_REPOSITORY: "yes" },
      /CREATE_REPOSITORY "yes": use true or false\./,
    ],
    [
      { IMAGE: "web:1", REPOSITORY: "team/web", ROLE_SESSION_NAME: "build-7" },
      /ROLE_SESSION_NAME "build-7": .*set ROLE_ARN/,
    ],
    [
      { IMAGE: "web:1", REPOSITORY: "team/web", ENGINE: "podman" },
      /^error: Invalid ENGINE "podman": use auto, registry, docker \(default auto\)\.$/,
    ],
    [
      { IMAGE: "web:1", REPOSITORY: "team/web", ENGINE: "docker", CONCURRENCY: "8" },
      /^error: Invalid CONCURRENCY "8": docker push sets its own concurrency, so remove it or set ENGINE to auto\.$/,
    ],
  ];
  it.each(cases)("%j fails with exit code 2 and one sentence naming the variable", async (env, message) => {
    const { out, writers } = capture();
    const code = await runStep({ ...writers, env });
    expect(code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(message)]);
  });

  it("never prints a secret given without its access key id", async () => {
    const { out, writers } = capture();
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const code = await runStep({
      ...writers,
      env: { IMAGE: "web:1", REPOSITORY: "team/web", AWS_SECRET_ACCESS_KEY: secret },
    });
    expect(code).toBe(2);
    expect(out.stderr).toBe("error: Missing AWS_ACCESS_KEY_ID: it is required with AWS_SECRET_ACCESS_KEY.\n");
    expect(out.stderr).not.toContain(secret);
  });
});
