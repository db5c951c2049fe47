import {
  AwsErrorCodes,
  InputError,
  PushFailedError,
  type PushRequest,
  type PushResult,
  parsePushRequest,
} from "@ecr-push/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { oidcToken, usesOidc, withCredentialsHint } from "../../src/credentials.js";
import { ACTION_INPUTS, GITHUB_INPUT_NAMES } from "../../src/inputs.js";
import { ActionsLog } from "../../src/log.js";
import { actionOutputs } from "../../src/outputs.js";
import { actionCacheDir } from "../../src/run.js";
import { summaryMarkdown } from "../../src/summary.js";

const ROLE = "arn:aws:iam::123456789012:role/push";

function parse(raw: Record<string, string>): PushRequest {
  return parsePushRequest({ source: "web:1", repository: "team/web", ...raw }, GITHUB_INPUT_NAMES);
}

function inputError(raw: Record<string, string>): string {
  try {
    parse(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error("expected an input error");
}

let stdout: string[];
beforeEach(() => {
  stdout = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("core's sentences name the inputs as action.yml spells them", () => {
  it.each([
    [{ tags: "-x" }, /^Invalid tags "-x"/],
    [{ source: "" }, /^Missing image:/],
    [{ roleDurationSeconds: "60", roleArn: ROLE }, /^Invalid role-duration-seconds "60"/],
    [{ sessionToken: "token" }, /aws-session-token.*aws-access-key-id and aws-secret-access-key/],
    [{ accessKeyId: "AKIA0000" }, /^Missing aws-secret-access-key: it is required with aws-access-key-id\.$/],
    [{ externalId: "ext-1" }, /^Invalid role-external-id "ext-1": .*set role-to-assume or remove it\.$/],
    [{ createRepository: "yes" }, /^Invalid create-repository "yes": use true or false\.$/],
  ])("%o", (raw, message) => {
    expect(inputError(raw)).toMatch(message);
  });
});

describe("engine and the layer cache", () => {
  it("reads engine into core's engine input and names it engine", () => {
    expect(ACTION_INPUTS.engine).toBe("engine");
    expect(GITHUB_INPUT_NAMES.engine).toBe("engine");
    expect(parse({ engine: "docker" }).engine).toBe("docker");
    // action.yml's default: the registry engine.
    expect(parse({ engine: "auto" }).engine).toBe("registry");
    expect(inputError({ engine: "podman" })).toBe(
      'Invalid engine "podman": use auto, registry, docker (default auto).',
    );
  });

  it("keeps the cache in the runner's tool cache, and none without one", () => {
    expect(actionCacheDir({ RUNNER_TOOL_CACHE: "/opt/hostedtoolcache" })).toBe(
      "/opt/hostedtoolcache/ecr-push",
    );
    expect(actionCacheDir({ RUNNER_TOOL_CACHE: "/home/runner/_work/_tool" })).toBe(
      "/home/runner/_work/_tool/ecr-push",
    );
    expect(actionCacheDir({ RUNNER_TOOL_CACHE: "" })).toBeUndefined();
    expect(actionCacheDir({})).toBeUndefined();
  });
});

describe("credentials", () => {
  const oidcEnv = { ACTIONS_ID_TOKEN_REQUEST_URL: "https://token.example/?x=1" };

  it("uses GitHub's OIDC token only for role-to-assume without keys, when the job may request one", () => {
    expect(usesOidc(parse({ roleArn: ROLE }), oidcEnv)).toBe(true);
    expect(usesOidc(parse({ roleArn: ROLE }), {})).toBe(false);
    expect(usesOidc(parse({}), oidcEnv)).toBe(false);
    expect(
      usesOidc(parse({ roleArn: ROLE, accessKeyId: "AKIA0000", secretAccessKey: "s3cr3t!" }), oidcEnv),
    ).toBe(false);
  });

  it("turns a failed token request into one sentence naming the permission", async () => {
    vi.stubEnv("ACTIONS_ID_TOKEN_REQUEST_URL", "");
    await expect(oidcToken(new ActionsLog())).rejects.toThrow(
      /^Could not get a GitHub OIDC token for role-to-assume \(Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable\): add "permissions: id-token: write"/,
    );
    vi.unstubAllEnvs();
  });

  it("hints at id-token: write only when role-to-assume found no credentials", () => {
    const notFound = new PushFailedError(AwsErrorCodes.credentialsNotFound, "No AWS credentials found: ...");
    expect(withCredentialsHint(notFound, parse({ roleArn: ROLE })).message).toMatch(
      /^No AWS credentials found to assume role-to-assume with: add "permissions: id-token: write"/,
    );
    expect(withCredentialsHint(notFound, parse({}))).toBe(notFound);
    expect(withCredentialsHint(notFound, undefined)).toBe(notFound);
    const denied = new PushFailedError(AwsErrorCodes.accessDenied, "AWS denied ecr:PutImage.");
    expect(withCredentialsHint(denied, parse({ roleArn: ROLE }))).toBe(denied);
  });
});

describe("the runner's log", () => {
  it("masks each secret once with ::add-mask:: and scrubs it from every line", () => {
    const log = new ActionsLog();
    log.mask("s3cr3t-value");
    log.mask("s3cr3t-value");
    log.mask("");
    log.masked("oidc-token-value");
    log.info("key s3cr3t-value and oidc-token-value");
    log.warn("multi\nline s3cr3t-value");
    log.error("bad s3cr3t-value");
    log.debug("debug s3cr3t-value");
    expect(stdout.join("")).toBe(
      [
        "::add-mask::s3cr3t-value",
        "key *** and ***",
        "::warning::multi%0Aline ***",
        "::error::bad ***",
        "::debug::debug ***",
        "",
      ].join("\n"),
    );
  });

  it("groups lines and maps core's outputs onto the action's output names", async () => {
    const log = new ActionsLog();
    expect(await log.group("Pushing", async () => 42)).toBe(42);
    vi.stubEnv("GITHUB_OUTPUT", "");
    actionOutputs.set("imageUris", "a");
    vi.unstubAllEnvs();
    expect(stdout.join("")).toContain("::group::Pushing\n::endgroup::\n");
    expect(stdout.join("")).toContain("::set-output name=image-uris::a");
  });
});

describe("the job summary", () => {
  const result: PushResult = {
    imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:1.4.2",
    imageUris: [],
    digest: `sha256:${"a".repeat(64)}`,
    registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    repository: "team/web",
    tags: ["1.4.2", "latest"],
    registryId: "123456789012",
    region: "eu-west-1",
    repositoryCreated: true,
    sourceImageId: `sha256:${"b".repeat(64)}`,
    imageSizeBytes: 5_033_165,
    tagResults: [
      {
        tag: "1.4.2",
        imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:1.4.2",
        status: "pushed",
      },
      {
        tag: "latest",
        imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:latest",
        status: "unchanged",
      },
    ],
  };

  it("is a small table of what was pushed", () => {
    expect(summaryMarkdown(result, 12_345)).toBe(
      [
        "### Pushed to Amazon ECR",
        "",
        "| | |",
        "| --- | --- |",
        "| Repository | `team/web` in `123456789012.dkr.ecr.eu-west-1.amazonaws.com` |",
        "| Tags | `1.4.2` (pushed), `latest` (already there) |",
        `| Digest | \`sha256:${"a".repeat(64)}\` |`,
        "| Size | 4.8 MiB |",
        "| Repository status | created by this push |",
        "| Time taken | 12.3 s |",
        "",
      ].join("\n"),
    );
    expect(summaryMarkdown({ ...result, repositoryCreated: false }, 80)).toContain(
      "| Repository status | existing |\n| Time taken | 0.1 s |",
    );
    expect(summaryMarkdown({ ...result, imageSizeBytes: undefined }, 80)).toContain(
      "| Size | not reported by ECR |",
    );
    expect(summaryMarkdown({ ...result, imageSizeBytes: 512 }, 80)).toContain("| Size | 512 B |");
    // A tag core reported nothing for is shown without a status.
    expect(summaryMarkdown({ ...result, tagResults: [] }, 80)).toContain("| Tags | `1.4.2`, `latest` |");
  });
});
