// Two pushes that both found the repository missing create it at once, against ecr-local through
// the real SDK: the one ECR lets create it sets its policies, the loser (RepositoryAlreadyExists)
// sets none and reads the mutability it has to honour from the repository itself.
import { type LocalEcr, startLocalEcr } from "@ecr-push/ecr-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EcrApi, type EnsureRepositoryOptions, type RepositorySettings } from "../../../src/index.js";
import { FakeLogger, FakeMasker } from "../../unit/workflow/fakes.js";

const LIFECYCLE = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 50 },
      action: { type: "expire" },
    },
  ],
});
const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage"] }],
});

describe("the create race, against ecr-local", () => {
  let ecr: LocalEcr;
  beforeAll(async () => {
    ecr = await startLocalEcr({ env: {} });
  });
  afterAll(() => ecr.close());

  function api(): EcrApi {
    return new EcrApi({
      region: ecr.region,
      credentials: { accessKeyId: ecr.accessKeyId, secretAccessKey: ecr.secretAccessKey },
      env: { AWS_ENDPOINT_URL_ECR: ecr.endpoint },
      logger: new FakeLogger(),
      secrets: new FakeMasker([]),
    });
  }
  const options = (repository: string, settings: Partial<RepositorySettings>): EnsureRepositoryOptions => ({
    repository,
    create: true,
    settings: { tags: {}, ...settings },
    registry: ecr.registry,
    createInputName: "--create-repository",
  });

  it("applies the policies once, by the push that created the repository", async () => {
    const settings: Partial<RepositorySettings> = {
      imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
      imageTagMutabilityExclusionFilters: ["latest", "dev-*"],
      lifecyclePolicy: LIFECYCLE,
      repositoryPolicy: POLICY,
    };
    const callsBefore = ecr.calls.length;
    // Both saw DescribeRepositories answer RepositoryNotFound before either created it.
    const missing = Promise.resolve({ missing: new Error("not found") });
    const [a, b] = [api(), api()];
    const ensured = await Promise.all([
      a.ensureRepository(options("race/web", settings), missing),
      b.ensureRepository(options("race/web", settings), missing),
    ]);
    a.destroy();
    b.destroy();
    expect(ensured.map((e) => e.created).sort()).toEqual([false, true]);
    for (const e of ensured) {
      expect(e.tagMutability).toEqual({
        mode: "IMMUTABLE_WITH_EXCLUSION",
        exclusionFilters: ["latest", "dev-*"],
      });
    }
    const calls = ecr.calls.slice(callsBefore).map((c) => `${c.operation} ${c.errorCode ?? "ok"}`);
    expect(calls.filter((c) => c.startsWith("CreateRepository")).sort()).toEqual([
      "CreateRepository RepositoryAlreadyExistsException",
      "CreateRepository ok",
    ]);
    expect(calls.filter((c) => /Policy/.test(c))).toEqual([
      "PutLifecyclePolicy ok",
      "SetRepositoryPolicy ok",
    ]);
    expect(ecr.repository("race/web")).toMatchObject({
      imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
      imageTagMutabilityExclusionFilters: [
        { filterType: "WILDCARD", filter: "latest" },
        { filterType: "WILDCARD", filter: "dev-*" },
      ],
      lifecyclePolicyText: LIFECYCLE,
      repositoryPolicyText: POLICY,
    });
  });

  it("gives the loser the winner's mutability, not the one it asked for", async () => {
    const missing = Promise.resolve({ missing: new Error("not found") });
    const winner = api();
    const created = await winner.ensureRepository(
      options("race/app", {
        imageTagMutability: "MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: ["v*"],
      }),
      missing,
    );
    const loser = api();
    const lost = await loser.ensureRepository(
      options("race/app", { imageTagMutability: "IMMUTABLE", lifecyclePolicy: LIFECYCLE }),
      missing,
    );
    winner.destroy();
    loser.destroy();
    expect(created.created).toBe(true);
    expect(lost).toMatchObject({
      created: false,
      tagMutability: { mode: "MUTABLE_WITH_EXCLUSION", exclusionFilters: ["v*"] },
    });
    expect(ecr.repository("race/app")?.lifecyclePolicyText).toBeUndefined();
  });
});
