import { describe, expect, it } from "vitest";
import {
  InputError,
  type InputNames,
  parsePushRequest,
  type RawPushInputs,
  splitList,
} from "../../../src/index.js";

const base: RawPushInputs = { source: "web:1.0", repository: "team/web" };
const CLI: Partial<InputNames> = {
  source: "SOURCE",
  repository: "--repository",
  region: "--region",
  tags: "--tag",
};

function parse(extra: RawPushInputs, names?: Partial<InputNames>) {
  return parsePushRequest({ ...base, ...extra }, names);
}

function errorOf(extra: RawPushInputs, names?: Partial<InputNames>): InputError {
  try {
    parse(extra, names);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected ${JSON.stringify(extra)} to be rejected`);
}

describe("parsePushRequest: defaults", () => {
  it("fills defaults for a minimal request", () => {
    expect(parsePushRequest({ source: "web", repository: "web" })).toEqual({
      source: { reference: "web:latest", kind: "name" },
      repository: "web",
      tags: ["latest"],
      region: undefined,
      registryId: undefined,
      createRepository: false,
      repositorySettings: {
        imageTagMutability: undefined,
        scanOnPush: undefined,
        encryption: undefined,
        tags: {},
      },
      credentials: {
        accessKeyId: undefined,
        secretAccessKey: undefined,
        sessionToken: undefined,
        profile: undefined,
        roleArn: undefined,
        externalId: undefined,
        roleSessionName: undefined,
        roleDurationSeconds: undefined,
        webIdentityToken: undefined,
        webIdentityTokenFile: undefined,
      },
      engine: "registry",
      compression: "gzip",
      removeLocalImage: false,
      dropAttestations: false,
    });
  });

  it("treats blank strings as unset, as hosts send them", () => {
    const request = parse({ region: "  ", registryId: "", createRepository: "", tags: "", kmsKey: " " });
    expect(request.region).toBeUndefined();
    expect(request.registryId).toBeUndefined();
    expect(request.createRepository).toBe(false);
    expect(request.tags).toEqual(["latest"]);
    expect(request.repositorySettings.encryption).toBeUndefined();
  });
});

describe("parsePushRequest: accepted values", () => {
  it.each<[RawPushInputs, (r: ReturnType<typeof parse>) => unknown, unknown]>([
    [{ source: "web" }, (r) => r.source, { reference: "web:latest", kind: "name" }],
    [{ source: "localhost:5000/team/web" }, (r) => r.source.reference, "localhost:5000/team/web:latest"],
    [{ source: "registry.example.com/a/b:v1.2" }, (r) => r.source.reference, "registry.example.com/a/b:v1.2"],
    [{ source: `web@sha256:${"b".repeat(64)}` }, (r) => r.source.reference, `web@sha256:${"b".repeat(64)}`],
    [
      { source: `sha256:${"c".repeat(64)}` },
      (r) => r.source,
      { reference: `sha256:${"c".repeat(64)}`, kind: "id" },
    ],
    [{ source: "4f1c2a3b4c5d" }, (r) => r.source.kind, "id"],
    [{ repository: "ab" }, (r) => r.repository, "ab"],
    [{ repository: "team/sub/web-app_x.y" }, (r) => r.repository, "team/sub/web-app_x.y"],
    [{ repository: "a__b--c" }, (r) => r.repository, "a__b--c"],
    [{ tags: "1.0, latest\nsha-abc,1.0" }, (r) => r.tags, ["1.0", "latest", "sha-abc"]],
    [{ tags: ["a", "b,c", " a "] }, (r) => r.tags, ["a", "b", "c"]],
    [{ tags: "_x.y-Z" }, (r) => r.tags, ["_x.y-Z"]],
    ...[
      "us-east-1",
      "us-gov-west-1",
      "cn-northwest-1",
      "eu-central-2",
      "us-isob-east-1",
      "ap-southeast-5",
    ].map((region): [RawPushInputs, (r: ReturnType<typeof parse>) => unknown, unknown] => [
      { region },
      (r) => r.region,
      region,
    ]),
    // dualStack: given or not (undefined leaves it to AWS_USE_DUALSTACK_ENDPOINT).
    [{ dualStack: "TRUE" }, (r) => r.dualStack, true],
    [{ dualStack: false }, (r) => r.dualStack, false],
    [{ dualStack: "false" }, (r) => r.dualStack, false],
    [{ dualStack: " " }, (r) => r.dualStack, undefined],
    [{}, (r) => r.dualStack, undefined],
    [{ registryId: "123456789012" }, (r) => r.registryId, "123456789012"],
    [{ createRepository: "TRUE" }, (r) => r.createRepository, true],
    [{ createRepository: true }, (r) => r.createRepository, true],
    [{ removeLocalImage: "false" }, (r) => r.removeLocalImage, false],
    [{ imageTagMutability: "immutable" }, (r) => r.repositorySettings.imageTagMutability, "IMMUTABLE"],
    [{ scanOnPush: "true" }, (r) => r.repositorySettings.scanOnPush, true],
    [{ scanOnPush: false }, (r) => r.repositorySettings.scanOnPush, false],
    [{ encryptionType: "aes256" }, (r) => r.repositorySettings.encryption, { type: "AES256" }],
    [{ encryptionType: "KMS" }, (r) => r.repositorySettings.encryption, { type: "KMS" }],
    [{ kmsKey: "alias/ecr" }, (r) => r.repositorySettings.encryption, { type: "KMS", kmsKey: "alias/ecr" }],
    [
      { kmsKey: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
      (r) => r.repositorySettings.encryption?.type,
      "KMS",
    ],
    [{ kmsKey: "1234abcd-12ab-34cd-56ef-1234567890ab" }, (r) => r.repositorySettings.encryption?.type, "KMS"],
    [
      { repositoryTags: "team=web, env = prod\nempty=" },
      (r) => r.repositorySettings.tags,
      { team: "web", env: "prod", empty: "" },
    ],
    [{ repositoryTags: ["a=b=c"] }, (r) => r.repositorySettings.tags, { a: "b=c" }],
    [{ repositoryTags: { Team: "web" } }, (r) => r.repositorySettings.tags, { Team: "web" }],
    [
      {
        roleArn: "arn:aws-us-gov:iam::123456789012:role/path/push",
        roleDurationSeconds: "900",
        externalId: "ext-1",
      },
      (r) => [r.credentials.roleArn, r.credentials.roleDurationSeconds, r.credentials.externalId],
      ["arn:aws-us-gov:iam::123456789012:role/path/push", 900, "ext-1"],
    ],
    [
      {
        roleArn: "arn:aws:iam::123456789012:role/x",
        roleDurationSeconds: 43200,
        roleSessionName: "ci@build=1",
      },
      (r) => [r.credentials.roleDurationSeconds, r.credentials.roleSessionName],
      [43200, "ci@build=1"],
    ],
    [
      { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t", sessionToken: "tok" },
      (r) => r.credentials.sessionToken,
      "tok",
    ],
    [
      { webIdentityTokenFile: "/var/run/token", roleArn: "arn:aws:iam::123456789012:role/x" },
      (r) => r.credentials.webIdentityTokenFile,
      "/var/run/token",
    ],
  ])("%j", (extra, pick, expected) => {
    expect(pick(parse(extra))).toEqual(expected);
  });
});

describe("parsePushRequest: rejected values", () => {
  const role = { roleArn: "arn:aws:iam::123456789012:role/x" };
  it.each<[RawPushInputs, string, RegExp]>([
    [{ source: "" }, "source", /^Missing source: /],
    [{ source: "Web:1" }, "source", /^Invalid source "Web:1": use a local image name/],
    [{ source: "web:-bad" }, "source", /^Invalid source/],
    [{ source: "web@sha256:abc" }, "source", /^Invalid source/],
    [{ repository: "a" }, "repository", /^Invalid repository "a": use 2-256/],
    [{ repository: "team//web" }, "repository", /^Invalid repository/],
    [{ repository: "web-" }, "repository", /^Invalid repository/],
    [{ repository: "a".repeat(257) }, "repository", /^Invalid repository/],
    [{ tags: ".hidden" }, "tags", /^Invalid tags "\.hidden": use up to 128/],
    [{ tags: "a b" }, "tags", /^Invalid tags "a b"/],
    [{ tags: "x".repeat(129) }, "tags", /^Invalid tags/],
    [{ dualStack: "yes" }, "dualStack", /^Invalid dualStack "yes": use true or false\.$/],
    [
      { region: "useast1" },
      "region",
      /^Invalid region "useast1": use an AWS region code such as us-east-1\.$/,
    ],
    [{ region: "us-east" }, "region", /^Invalid region/],
    [{ registryId: "12345" }, "registryId", /^Invalid registryId "12345": use the 12-digit AWS account id/],
    [
      { createRepository: "yes" },
      "createRepository",
      /^Invalid createRepository "yes": use true or false\.$/,
    ],
    [
      { imageTagMutability: "frozen" },
      "imageTagMutability",
      /use MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION\.$/,
    ],
    [{ scanOnPush: "maybe" }, "scanOnPush", /use true or false/],
    [{ encryptionType: "DES" }, "encryptionType", /use AES256 or KMS\.$/],
    [{ kmsKey: "my key" }, "kmsKey", /^Invalid kmsKey "my key": use a KMS key ARN/],
    [{ kmsKey: "alias/k", encryptionType: "AES256" }, "kmsKey", /needs encryptionType KMS/],
    [
      { repositoryTags: "novalue" },
      "repositoryTags",
      /^Invalid repositoryTags "novalue": use KEY=VALUE entries\.$/,
    ],
    [{ repositoryTags: "=v" }, "repositoryTags", /use KEY=VALUE/],
    [{ repositoryTags: `${"k".repeat(129)}=v` }, "repositoryTags", /keys of 1-128/],
    [{ repositoryTags: { k: "v".repeat(257) } }, "repositoryTags", /values of at most 256/],
    [{ repositoryTags: "a=1,a=2" }, "repositoryTags", /"a" is given twice/],
    [
      { repositoryTags: Array.from({ length: 51 }, (_, i) => `k${i}=v`) },
      "repositoryTags",
      /at most 50 tags \(got 51\)/,
    ],
    [
      { roleArn: "arn:aws:iam::123:role/x" },
      "roleArn",
      /^Invalid roleArn "arn:aws:iam::123:role\/x": use an IAM role ARN/,
    ],
    [{ roleArn: "arn:aws:iam::123456789012:user/x" }, "roleArn", /^Invalid roleArn/],
    [{ ...role, roleDurationSeconds: "899" }, "roleDurationSeconds", /from 900 to 43200\.$/],
    [{ ...role, roleDurationSeconds: 43201 }, "roleDurationSeconds", /from 900 to 43200/],
    [{ ...role, roleDurationSeconds: "1h" }, "roleDurationSeconds", /whole number/],
    [{ ...role, roleSessionName: "a b" }, "roleSessionName", /use 2-64/],
    [{ ...role, externalId: "x" }, "externalId", /use 2-1224/],
    [
      { externalId: "ext" },
      "externalId",
      /applies only when assuming a role, so set roleArn or remove it\.$/,
    ],
    [{ roleDurationSeconds: 900 }, "roleDurationSeconds", /applies only when assuming a role/],
    [
      { accessKeyId: "AKIAEXAMPLE" },
      "secretAccessKey",
      /^Missing secretAccessKey: it is required with accessKeyId\.$/,
    ],
    [
      { secretAccessKey: "s3cr3t" },
      "accessKeyId",
      /^Missing accessKeyId: it is required with secretAccessKey\.$/,
    ],
    [{ sessionToken: "tok" }, "sessionToken", /^Invalid sessionToken: a session token works only with/],
    [{ webIdentityToken: "jwt" }, "roleArn", /^Missing roleArn: a web identity token needs/],
    [
      { ...role, webIdentityToken: "jwt", webIdentityTokenFile: "/t" },
      "webIdentityTokenFile",
      /set either webIdentityToken or webIdentityTokenFile, not both/,
    ],
  ])("%j", (extra, input, message) => {
    const error = errorOf(extra);
    expect(error.input).toBe(input);
    expect(error.kind).toBe("input");
    expect(error.code).toBe("InvalidInput");
    expect(error.message).toMatch(message);
    // One sentence: ends with a period and has no line break.
    expect(error.message).toMatch(/\.$/);
    expect(error.message).not.toMatch(/\n/);
  });
});

describe("parsePushRequest: messages", () => {
  it("names inputs as the host spells them", () => {
    expect(errorOf({ repository: "My_App" }, CLI).message).toBe(
      'Invalid --repository "My_App": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
    );
    expect(errorOf({ repository: "" }, CLI).message).toBe(
      "Missing --repository: name the ECR repository to push to.",
    );
    expect(errorOf({ source: undefined }, CLI).message).toBe(
      "Missing SOURCE: name the local image to push, as name[:tag] or an image ID.",
    );
    // A host whose promote is an input of its own says so when neither is set.
    expect(
      errorOf({ source: undefined }, { ...CLI, source: "image", registrySource: "source" }).message,
    ).toBe(
      "Missing image: name the local image to push, as name[:tag] or an image ID, or set source to promote an image from a registry.",
    );
  });

  it("hints at the region code meant", () => {
    expect(errorOf({ region: "us_west_2" }, CLI).message).toBe(
      'Invalid --region "us_west_2": use an AWS region code such as us-east-1 (did you mean us-west-2?).',
    );
    expect(errorOf({ region: "US-EAST-1" }).message).toBe(
      'Invalid region "US-EAST-1": use an AWS region code such as us-east-1 (did you mean us-east-1?).',
    );
  });

  it("never puts a secret value into a message", () => {
    const secrets = { secretAccessKey: "SECRET-KEY-VALUE", sessionToken: "SESSION-TOKEN-VALUE" };
    const token = { webIdentityToken: "JWT-TOKEN-VALUE" };
    const cases: RawPushInputs[] = [
      secrets,
      { sessionToken: secrets.sessionToken },
      { ...token },
      { ...token, webIdentityTokenFile: "/t", roleArn: "arn:aws:iam::123456789012:role/x" },
      { ...secrets, accessKeyId: "AKIA", region: "bad" },
      { ...secrets, accessKeyId: "AKIA", ...token, roleArn: "bad" },
    ];
    for (const extra of cases) {
      const { message } = errorOf(extra);
      for (const secret of [...Object.values(secrets), token.webIdentityToken]) {
        expect(message).not.toContain(secret);
      }
    }
  });
});

describe("splitList", () => {
  it.each<[string | string[] | undefined, string[]]>([
    [undefined, []],
    ["", []],
    ["a", ["a"]],
    ["a,b", ["a", "b"]],
    ["a\r\nb\n\n,c ,", ["a", "b", "c"]],
    [
      ["a, b", "c\nd"],
      ["a", "b", "c", "d"],
    ],
  ])("%j", (value, expected) => {
    expect(splitList(value)).toEqual(expected);
  });
});
