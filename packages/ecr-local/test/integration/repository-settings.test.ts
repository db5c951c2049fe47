// Tag mutability with exclusion filters and the lifecycle and repository policies, through the
// real SDK: accepted and answered as the ECR API reference documents them, refused with ECR's
// error codes, and the exclusion filters honoured by PutImage and the registry's manifest PUT.
import { createHash } from "node:crypto";
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  GetLifecyclePolicyCommand,
  GetRepositoryPolicyCommand,
  ImageTagAlreadyExistsException,
  InvalidParameterException,
  LifecyclePolicyNotFoundException,
  PutImageCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
  RepositoryPolicyNotFoundException,
  SetRepositoryPolicyCommand,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { ecrClient, localEcr, registryPassword } from "./helpers.js";

const sha256 = (data: string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

const LIFECYCLE = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: "untagged images go after two weeks",
      selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
      action: { type: "expire" },
    },
  ],
});
const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "pull", Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage"] }],
});

describe("repository settings: tag mutability exclusions and policies", () => {
  let ecr: LocalEcr;
  let client: ECRClient;
  let auth: string;

  /** A manifest of its own (a config blob naming `n`), its blob uploaded to `repository`. */
  async function manifest(repository: string, n: string): Promise<string> {
    const config = JSON.stringify({ architecture: "amd64", os: "linux", n, rootfs: { type: "layers" } });
    const put = await fetch(`${ecr.endpoint}/v2/${repository}/blobs/uploads/?digest=${sha256(config)}`, {
      method: "POST",
      body: config,
      headers: { authorization: auth },
    });
    expect(put.status).toBe(201);
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: config.length,
        digest: sha256(config),
      },
      layers: [],
    });
  }
  const putImage = (repositoryName: string, imageManifest: string, imageTag: string) =>
    client.send(new PutImageCommand({ repositoryName, imageManifest, imageTag }));
  const putManifest = (repository: string, body: string, tag: string) =>
    fetch(`${ecr.endpoint}/v2/${repository}/manifests/${tag}`, {
      method: "PUT",
      body,
      headers: { authorization: auth, "content-type": DOCKER_MANIFEST },
    });

  beforeAll(async () => {
    ecr = await localEcr({ accountId: "111122223333", region: "eu-west-1" });
    client = ecrClient(ecr);
    auth = `Basic ${Buffer.from(`AWS:${await registryPassword(ecr)}`).toString("base64")}`;
  });
  afterAll(() => ecr.close());

  it("creates and describes the _WITH_EXCLUSION modes with their WILDCARD filters", async () => {
    const filters = [
      { filterType: "WILDCARD" as const, filter: "latest" },
      { filterType: "WILDCARD" as const, filter: "dev-*" },
    ];
    const created = await client.send(
      new CreateRepositoryCommand({
        repositoryName: "mut/immutable-except",
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: filters,
      }),
    );
    expect(created.repository).toMatchObject({
      imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
      imageTagMutabilityExclusionFilters: filters,
    });
    const described = await client.send(
      new DescribeRepositoriesCommand({ repositoryNames: ["mut/immutable-except"] }),
    );
    expect(described.repositories?.[0]).toEqual(created.repository);
    const plain = await client.send(new CreateRepositoryCommand({ repositoryName: "mut/plain" }));
    expect(plain.repository?.imageTagMutability).toBe("MUTABLE");
    expect(plain.repository?.imageTagMutabilityExclusionFilters).toBeUndefined();
  });

  it.each([
    [{ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" }, /must be specified with imageTagMutability/],
    [
      { imageTagMutability: "MUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [] },
      /Member must have length greater than or equal to 1/,
    ],
    [
      {
        imageTagMutability: "IMMUTABLE",
        imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "x" }],
      },
      /can only be specified with imageTagMutability 'IMMUTABLE_WITH_EXCLUSION' or 'MUTABLE_WITH_EXCLUSION'/,
    ],
    [
      {
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "dev/*" }],
      },
      /regular expression pattern: \^\[0-9a-zA-Z\._\*-\]\{1,128\}\$/,
    ],
    [
      {
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [{ filterType: "REGEX", filter: "x" }],
      },
      /enum value set: \[WILDCARD\]/,
    ],
    [
      {
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: ["a", "b", "c", "d", "e", "f"].map((filter) => ({
          filterType: "WILDCARD",
          filter,
        })),
      },
      /at most 5 items/,
    ],
    [
      { imageTagMutability: "SOMETIMES" },
      /\[MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION\]/,
    ],
  ])("refuses %j with InvalidParameterException", async (settings, message) => {
    const error = await client
      .send(new CreateRepositoryCommand({ repositoryName: "mut/refused", ...(settings as object) }))
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toMatch(message);
    expect(ecr.repository("mut/refused")).toBeUndefined();
  });

  it("moves only the tags the filters leave mutable, by PutImage and by the registry alike", async () => {
    const repo = "mut/immutable-except";
    const [a, b] = [await manifest(repo, "a"), await manifest(repo, "b")];
    for (const tag of ["latest", "dev-1", "v1"]) await putImage(repo, a, tag);
    // Excluded tags move; the same image again is not an overwrite.
    await putImage(repo, b, "latest");
    expect((await putManifest(repo, b, "dev-1")).status).toBe(201);
    expect((await putManifest(repo, a, "v1")).status).toBe(201);
    const refused = await putImage(repo, b, "v1").catch((e: Error) => e);
    expect(refused).toBeInstanceOf(ImageTagAlreadyExistsException);
    expect((refused as Error).message).toBe(
      `The image tag 'v1' already exists in the '${repo}' repository and cannot be overwritten because the repository is immutable.`,
    );
    const viaRegistry = await putManifest(repo, b, "v1");
    expect(viaRegistry.status).toBe(400);
    expect(((await viaRegistry.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
      "TAG_INVALID",
    );
  });

  it("keeps the matching tags immutable in MUTABLE_WITH_EXCLUSION, and changes modes with PutImageTagMutability", async () => {
    const repo = "mut/plain";
    await client.send(
      new PutImageTagMutabilityCommand({
        repositoryName: repo,
        imageTagMutability: "MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "release-*" }],
      }),
    );
    const [a, b] = [await manifest(repo, "a"), await manifest(repo, "b")];
    await putImage(repo, a, "release-1");
    await putImage(repo, a, "main");
    await putImage(repo, b, "main");
    await expect(putImage(repo, b, "release-1")).rejects.toBeInstanceOf(ImageTagAlreadyExistsException);

    const back = await client.send(
      new PutImageTagMutabilityCommand({ repositoryName: repo, imageTagMutability: "MUTABLE" }),
    );
    expect(back.imageTagMutabilityExclusionFilters).toBeUndefined();
    await putImage(repo, b, "release-1");
    const described = await client.send(new DescribeRepositoriesCommand({ repositoryNames: [repo] }));
    expect(described.repositories?.[0]?.imageTagMutabilityExclusionFilters).toBeUndefined();
  });

  it("puts and gets a lifecycle policy, idempotently, and says when there is none", async () => {
    await client.send(new CreateRepositoryCommand({ repositoryName: "pol/app" }));
    const none = await client
      .send(new GetLifecyclePolicyCommand({ repositoryName: "pol/app" }))
      .catch((e) => e);
    expect(none).toBeInstanceOf(LifecyclePolicyNotFoundException);
    expect(none.message).toBe(
      "Lifecycle policy does not exist for the repository with name 'pol/app' in the registry with id '111122223333'",
    );
    for (let i = 0; i < 2; i++) {
      const put = await client.send(
        new PutLifecyclePolicyCommand({ repositoryName: "pol/app", lifecyclePolicyText: LIFECYCLE }),
      );
      expect(put).toMatchObject({ repositoryName: "pol/app", lifecyclePolicyText: LIFECYCLE });
    }
    const got = await client.send(new GetLifecyclePolicyCommand({ repositoryName: "pol/app" }));
    expect(got).toMatchObject({
      registryId: "111122223333",
      repositoryName: "pol/app",
      lifecyclePolicyText: LIFECYCLE,
    });
    expect(ecr.repository("pol/app")?.lifecyclePolicyText).toBe(LIFECYCLE);
  });

  it.each([
    [
      "not JSON",
      `{"rules": [${" ".repeat(100)}`,
      /Lifecycle policy validation failure: the policy is not valid JSON/,
    ],
    ["too short", '{"rules": []}', /Member must have length greater than or equal to 100/],
    [
      "without rules",
      `{"rulez": [], "pad": "${"x".repeat(100)}"}`,
      /missing required properties \(\["rules"\]\)/,
    ],
    [
      "with two any rules",
      JSON.stringify({
        rules: [1, 2].map((rulePriority) => ({
          rulePriority,
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 5 },
          action: { type: "expire" },
        })),
      }),
      /only one rule can have tagStatus any/,
    ],
  ])("refuses a lifecycle policy %s with InvalidParameterException", async (_what, text, message) => {
    const error = await client
      .send(new PutLifecyclePolicyCommand({ repositoryName: "pol/app", lifecyclePolicyText: text }))
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toMatch(message);
    expect(ecr.repository("pol/app")?.lifecyclePolicyText).toBe(LIFECYCLE);
  });

  it("sets and gets a repository policy, refusing bad JSON, and says when there is none", async () => {
    const none = await client
      .send(new GetRepositoryPolicyCommand({ repositoryName: "pol/app" }))
      .catch((e) => e);
    expect(none).toBeInstanceOf(RepositoryPolicyNotFoundException);
    expect(none.message).toBe(
      "Repository policy does not exist for the repository with name 'pol/app' in the registry with id '111122223333'",
    );
    const bad = await client
      .send(new SetRepositoryPolicyCommand({ repositoryName: "pol/app", policyText: "{not json" }))
      .catch((e) => e);
    expect(bad).toBeInstanceOf(InvalidParameterException);
    expect(bad.message).toBe(
      "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'",
    );
    await client.send(new SetRepositoryPolicyCommand({ repositoryName: "pol/app", policyText: POLICY }));
    await client.send(new SetRepositoryPolicyCommand({ repositoryName: "pol/app", policyText: POLICY }));
    const got = await client.send(new GetRepositoryPolicyCommand({ repositoryName: "pol/app" }));
    expect(got).toMatchObject({ repositoryName: "pol/app", policyText: POLICY });
    const huge = await client
      .send(new SetRepositoryPolicyCommand({ repositoryName: "pol/app", policyText: " ".repeat(10_241) }))
      .catch((e) => e);
    expect(huge).toBeInstanceOf(InvalidParameterException);
    expect(huge.message).toMatch(/Member must have length less than or equal to 10240/);
  });
});
