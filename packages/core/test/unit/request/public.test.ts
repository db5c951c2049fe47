import { describe, expect, it } from "vitest";
import {
  InputError,
  parsePromoteRequest,
  parsePushRequest,
  parseRetagRequest,
  type RawPushInputs,
} from "../../../src/index.js";
import { publicRegistryHost, wantsDualStack } from "../../../src/workflow/public-session.js";

const base: RawPushInputs = { source: "web:1.0", repository: "public.ecr.aws/my-alias/team/web" };

function errorOf(extra: RawPushInputs): InputError {
  try {
    parsePushRequest({ ...base, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected ${JSON.stringify(extra)} to be rejected`);
}

describe("ECR Public requests", () => {
  it("reads public.ecr.aws/ALIAS/NAME as the repository NAME of the registry ALIAS, with its catalog data", () => {
    const request = parsePushRequest({
      ...base,
      createRepository: true,
      publicDescription: "A web server",
      publicAboutText: "# About",
      publicUsageText: "docker run",
      publicArchitectures: "x86-64, ARM 64",
      publicOperatingSystems: ["Linux"],
      publicLogo: "logo.png",
      repositoryTags: "team=web",
      // Hosts' defaults for ECR's settings pass.
      imageTagMutability: "MUTABLE",
      scanOnPush: "false",
    });
    expect(request.repository).toBe("team/web");
    expect(request.ecrPublic).toEqual({
      alias: "my-alias",
      dualStack: false,
      catalog: {
        description: "A web server",
        aboutText: "# About",
        usageText: "docker run",
        architectures: ["x86-64", "ARM 64"],
        operatingSystems: ["Linux"],
        logoPath: "logo.png",
      },
    });
    expect(request.repositorySettings.tags).toEqual({ team: "web" });
    // Any case of the host; the dual-stack host asks for dual-stack endpoints.
    expect(parsePushRequest({ ...base, repository: "Public.ECR.aws/a1/web" }).ecrPublic?.alias).toBe("a1");
    expect(parsePushRequest({ ...base, repository: "ecr-public.aws.com/a1/web" }).ecrPublic?.dualStack).toBe(
      true,
    );
    // A private repository is unchanged.
    const plain = parsePushRequest({ ...base, repository: "team/web" });
    expect(plain.repository).toBe("team/web");
    expect(plain.ecrPublic).toBeUndefined();
  });

  it("says in one sentence what is wrong with a public repository or its catalog data", () => {
    const cases: [RawPushInputs, string, RegExp][] = [
      [{ repository: "public.ecr.aws/web" }, "repository", /use public\.ecr\.aws\/ALIAS\/NAME/],
      [{ repository: "public.ecr.aws/My-Alias/web" }, "repository", /an alias is 2-50 lowercase/],
      [{ repository: "public.ecr.aws/a1/Web" }, "repository", /NAME is 2-205 lowercase/],
      [{ repository: `public.ecr.aws/a1/${"w".repeat(206)}` }, "repository", /NAME is 2-205/],
      [{ publicDescription: "d".repeat(1025) }, "publicDescription", /at most 1024 characters \(got 1025\)/],
      [{ publicAboutText: "a".repeat(25601) }, "publicAboutText", /at most 25600/],
      [{ publicUsageText: "u".repeat(25601) }, "publicUsageText", /at most 25600/],
      [{ publicArchitectures: "amd64" }, "publicArchitectures", /use ARM, ARM 64, x86 or x86-64/],
      [{ publicArchitectures: "arm 64" }, "publicArchitectures", /did you mean ARM 64\?/],
      [
        { publicOperatingSystems: "linux" },
        "publicOperatingSystems",
        /use Linux or Windows.*did you mean Linux\?/,
      ],
      [{ registryId: "123456789012" }, "registryId", /the alias in repository names the ECR Public registry/],
      [{ imageTagMutability: "IMMUTABLE" }, "imageTagMutability", /ECR Public repositories do not have it/],
      [{ scanOnPush: true }, "scanOnPush", /do not have it/],
      [{ encryptionType: "KMS" }, "encryptionType", /do not have it/],
      [{ kmsKey: "alias/mine" }, "kmsKey", /do not have it/],
      [
        { imageTagMutability: "MUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: "dev-*" },
        "imageTagMutability",
        /do not have it/,
      ],
      [{ lifecyclePolicy: '{"rules":[]}' }, "lifecyclePolicy", /ECR Public repositories do not have it/],
      [
        { repositoryPolicy: '{"Version":"2012-10-17","Statement":[]}' },
        "repositoryPolicy",
        /ecr-push does not set ECR Public repository policies, so remove repositoryPolicy/,
      ],
    ];
    for (const [extra, input, message] of cases) {
      const error = errorOf(extra);
      expect(error.input, JSON.stringify(extra)).toBe(input);
      expect(error.message).toMatch(message);
      expect(error.message.split(/\.\s/).length, error.message).toBeLessThanOrEqual(2);
    }
  });

  it("refuses ECR Public's inputs for a private repository, and ECR Public as a promote destination", () => {
    for (const key of [
      "publicDescription",
      "publicAboutText",
      "publicUsageText",
      "publicArchitectures",
      "publicOperatingSystems",
      "publicLogo",
    ] as const) {
      const error = errorOf({ repository: "team/web", [key]: "x" });
      expect(error.input).toBe(key);
      expect(error.message).toMatch(
        /applies to ECR Public repositories only, so set repository to public\.ecr\.aws\/ALIAS\/NAME/,
      );
    }
    expect(() =>
      parsePromoteRequest({ source: "docker://ghcr.io/o/web:1", repository: "public.ecr.aws/a1/web" }),
    ).toThrow(/ECR Public repositories take pushes only/);
    expect(() => parseRetagRequest({ source: "public.ecr.aws/a1/web:1", tags: "2" })).toThrow(
      'Invalid source "public.ecr.aws/a1/web:1": ECR Public repositories take pushes only, so push the image under the new tag.',
    );
  });

  it("uses the registry host ECR Public names, its dual-stack name when asked", () => {
    expect(publicRegistryHost("public.ecr.aws/a1/web", false)).toBe("public.ecr.aws");
    expect(publicRegistryHost("public.ecr.aws/a1/web", true)).toBe("ecr-public.aws.com");
    // A local endpoint's host stays as it is.
    expect(publicRegistryHost("localhost:5000/a1/web", true)).toBe("localhost:5000");
    const target = { alias: "a1", dualStack: false, catalog: {} };
    expect(wantsDualStack(target, undefined, {})).toBe(false);
    expect(wantsDualStack(target, undefined, { AWS_USE_DUALSTACK_ENDPOINT: "true" })).toBe(true);
    expect(wantsDualStack({ ...target, dualStack: true }, undefined, {})).toBe(true);
    // The dualStack input, when given, decides over the environment variable.
    expect(wantsDualStack(target, true, {})).toBe(true);
    expect(wantsDualStack(target, false, { AWS_USE_DUALSTACK_ENDPOINT: "true" })).toBe(false);
  });
});
