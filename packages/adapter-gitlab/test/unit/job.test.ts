import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CommandResult } from "@ecr-push/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  GITLAB_INPUT_NAMES,
  jobInputs,
  secretInputs,
  secretVariables,
  variableFor,
} from "../../src/inputs.js";
import { JobLog } from "../../src/log.js";
import { dotenvPath, writeDotenv } from "../../src/outputs.js";
import { jobCacheDir, runJob } from "../../src/run.js";

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
} as CommandResult;

const DOTENV = [
  `ECR_IMAGE_URI=${result.imageUri}`,
  `ECR_IMAGE_URIS=${result.imageUris.join(",")}`,
  `ECR_IMAGE_DIGEST=${result.digest}`,
  `ECR_REGISTRY=${result.registry}`,
];

const ROLE = "arn:aws:iam::123456789012:role/ecr-push";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.unit-test-token.signature";

describe("the component's variables", () => {
  it("are ECR_PUSH_ and the input's name in upper case, - as _", () => {
    expect(variableFor("image")).toBe("ECR_PUSH_IMAGE");
    expect(variableFor("aws-secret-access-key")).toBe("ECR_PUSH_AWS_SECRET_ACCESS_KEY");
  });

  it("map onto core's inputs, unset ones left unset", () => {
    expect(
      jobInputs({
        ECR_PUSH_IMAGE: "web:1",
        ECR_PUSH_SOURCE: "",
        ECR_PUSH_REPOSITORY: "team/web",
        ECR_PUSH_TAGS: "a,b",
        ECR_PUSH_CREATE_REPOSITORY: "true",
        ECR_PUSH_PLATFORMS: "linux/amd64",
        IMAGE: "not ours",
      }),
    ).toEqual(
      expect.objectContaining({
        source: "web:1",
        registrySource: "",
        repository: "team/web",
        tags: "a,b",
        createRepository: "true",
        platform: "linux/amd64",
        region: undefined,
        accessKeyId: undefined,
      }),
    );
  });

  it("name core's inputs as the component's inputs are written", () => {
    expect(GITLAB_INPUT_NAMES).toMatchObject({
      source: "image",
      registrySource: "source",
      tags: "tags",
      roleArn: "role-arn",
      secretAccessKey: "aws-secret-access-key",
      webIdentityToken: "the job's ID token (the variable id-token-variable names)",
    });
  });

  it("add the job's ID token (AWS_ID_TOKEN, or the variable id-token-variable names) only with role-arn", () => {
    expect(jobInputs({ ECR_PUSH_ROLE_ARN: ROLE, AWS_ID_TOKEN: TOKEN }).webIdentityToken).toBe(TOKEN);
    expect(jobInputs({ AWS_ID_TOKEN: TOKEN }).webIdentityToken).toBeUndefined();
    const named = { ECR_PUSH_ROLE_ARN: ROLE, ECR_PUSH_ID_TOKEN_VARIABLE: "MY_TOKEN", MY_TOKEN: TOKEN };
    expect(jobInputs({ ...named, AWS_ID_TOKEN: "other" }).webIdentityToken).toBe(TOKEN);
    expect(
      jobInputs({ ECR_PUSH_ROLE_ARN: ROLE, ECR_PUSH_ID_TOKEN_VARIABLE: "", AWS_ID_TOKEN: TOKEN }),
    ).toEqual(expect.objectContaining({ webIdentityToken: undefined }));
  });

  it("list the secret values to mask, the ID token included", () => {
    expect(
      secretInputs({
        ECR_PUSH_AWS_ACCESS_KEY_ID: "AKIA1",
        ECR_PUSH_AWS_SECRET_ACCESS_KEY: " s3cret ",
        ECR_PUSH_AWS_SESSION_TOKEN: "",
        ECR_PUSH_SOURCE_PASSWORD: "pa55word",
        AWS_ID_TOKEN: TOKEN,
      }),
    ).toEqual(["s3cret", "pa55word", TOKEN]);
  });
});

describe("the variables docker does not inherit", () => {
  it("are the component's, the ID token's and GitLab's job credentials, and nothing the job needs", () => {
    const hidden = secretVariables({ ECR_PUSH_ID_TOKEN_VARIABLE: "MY_TOKEN" });
    for (const name of [
      "ECR_PUSH_SOURCE_PASSWORD",
      "MY_TOKEN",
      "CI_JOB_TOKEN",
      "CI_JOB_JWT_V2",
      "CI_REGISTRY_PASSWORD",
    ])
      expect(hidden.test(name), name).toBe(true);
    for (const name of ["DOCKER_HOST", "PATH", "CI_PROJECT_DIR", "MY_TOKEN_2", "AWS_ID_TOKEN"])
      expect(hidden.test(name), name).toBe(false);
    expect(secretVariables({}).test("AWS_ID_TOKEN")).toBe(true);
  });
});

describe("the layer cache folder", () => {
  it("is .ecr-push-cache in the project folder, which the component's cache: keeps, and none outside a job", () => {
    expect(jobCacheDir({ CI_PROJECT_DIR: "/builds/team/web" })).toBe("/builds/team/web/.ecr-push-cache");
    expect(jobCacheDir({ CI_PROJECT_DIR: " " })).toBeUndefined();
    expect(jobCacheDir({})).toBeUndefined();
  });
});

describe("JobLog", () => {
  it("scrubs masked secrets from every line, makes groups collapsed sections, and keeps debug out", async () => {
    const { out, writers } = capture();
    const log = new JobLog(writers, false, () => 1_700_000_000_500);
    log.mask("topsecretvalue");
    await log.group("Pushing topsecretvalue", async () => {
      log.info("token topsecretvalue\nnext");
      log.debug("topsecretvalue");
    });
    log.warn("again topsecretvalue");
    expect(out.stdout).toBe(
      [
        "\x1b[0Ksection_start:1700000000:ecr_push_1[collapsed=true]\r\x1b[0KPushing ***",
        "token ***",
        "next",
        "\x1b[0Ksection_end:1700000000:ecr_push_1\r\x1b[0K",
        "",
      ].join("\n"),
    );
    expect(out.stderr).toBe("warning: again ***\n");
  });

  it("shows debug lines when CI_DEBUG_TRACE asks for them, scrubbed too", () => {
    const { out, writers } = capture();
    const log = new JobLog(writers, true);
    log.mask("topsecretvalue");
    log.debug("credentials: topsecretvalue");
    expect(out.stdout).toBe("debug: credentials: ***\n");
  });
});

describe("writeDotenv", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "gitlab-project-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes NAME=value lines to ecr-push.env in the project folder, whole, and prints them", () => {
    const { out, writers } = capture();
    writeFileSync(path.join(dir, "ecr-push.env"), "STALE=1\n");
    writeDotenv(result, { CI_PROJECT_DIR: dir }, new JobLog(writers));
    const file = path.join(dir, "ecr-push.env");
    expect(readFileSync(file, "utf8")).toBe(`${DOTENV.join("\n")}\n`);
    expect(readdirSync(dir)).toEqual(["ecr-push.env"]);
    expect(out.stdout).toBe(
      `Wrote ${file} (artifacts:reports:dotenv hands it to later jobs):\n${DOTENV.map((l) => `  ${l}\n`).join("")}`,
    );
  });

  it("adds ECR_SOURCE_DIGEST after a promote, and writes where the dotenv input says", () => {
    const { writers } = capture();
    const env = { CI_PROJECT_DIR: dir, ECR_PUSH_DOTENV: "out/push.env" };
    writeDotenv({ ...result, sourceDigest: result.digest }, env, new JobLog(writers));
    expect(dotenvPath(env)).toBe(path.join(dir, "out", "push.env"));
    expect(readFileSync(dotenvPath(env), "utf8")).toBe(
      `${DOTENV.join("\n")}\nECR_SOURCE_DIGEST=${result.digest}\n`,
    );
  });

  it("fails in one sentence, leaving nothing, when the file cannot be written", () => {
    const { writers } = capture();
    writeFileSync(path.join(dir, "file"), "");
    expect(() =>
      writeDotenv(result, { CI_PROJECT_DIR: dir, ECR_PUSH_DOTENV: "file/x.env" }, new JobLog(writers)),
    ).toThrow(
      /^The image was pushed, but its outputs could not be written to .*x\.env \(.*\): make the dotenv input/,
    );
    expect(readdirSync(dir)).toEqual(["file"]);
  });

  it("refuses a value that would span lines", () => {
    const { writers } = capture();
    const broken = { ...result, imageUri: "a\nB=c" } as CommandResult;
    expect(() => writeDotenv(broken, { CI_PROJECT_DIR: dir }, new JobLog(writers))).toThrow(
      /ECR_IMAGE_URI would span lines/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("runJob on bad input (nothing is sent anywhere)", () => {
  const base = { ECR_PUSH_IMAGE: "web:1", ECR_PUSH_REPOSITORY: "team/web" };
  const cases: [Record<string, string>, RegExp][] = [
    [{ ECR_PUSH_REPOSITORY: "team/web" }, /^error: Missing image: /],
    [{ ...base, ECR_PUSH_REPOSITORY: "Team Web" }, /^error: Invalid repository "Team Web": /],
    [{ ...base, ECR_PUSH_TAGS: "ok,-bad" }, /^error: Invalid tags "-bad": /],
    [{ ...base, ECR_PUSH_CREATE_REPOSITORY: "yes" }, /create-repository "yes": use true or false\./],
    [{ ...base, ECR_PUSH_ROLE_SESSION_NAME: "build-7" }, /role-session-name "build-7": .*set role-arn/],
    [{ ...base, ECR_PUSH_ENGINE: "podman" }, /^error: Invalid engine "podman": use auto, registry, docker/],
    [
      { ...base, ECR_PUSH_SOURCE: "docker://r.example.com/a:1" },
      /set either image .* or source .*, not both/,
    ],
  ];
  it.each(cases)("%j fails with exit code 2 and one sentence naming the input", async (env, message) => {
    const { out, writers } = capture();
    const code = await runJob({ ...writers, env });
    expect(code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(message)]);
  });

  it("never prints a secret given without its access key id", async () => {
    const { out, writers } = capture();
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const code = await runJob({ ...writers, env: { ...base, ECR_PUSH_AWS_SECRET_ACCESS_KEY: secret } });
    expect(code).toBe(2);
    expect(out.stderr).toBe("error: Missing aws-access-key-id: it is required with aws-secret-access-key.\n");
  });
});
