import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ECRServiceException,
  GetAuthorizationTokenCommand,
  PutLifecyclePolicyCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
  SetRepositoryPolicyCommand,
} from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type EcrPushError,
  type PushDeps,
  PushFailedError,
  parsePushRequest,
  type RawPushInputs,
  runPush,
} from "../../../src/index.js";
import { DIGEST, FakeEngine, FakeLogger, FakeMasker, FakeOutputs, fixedClock, IMAGE_ID } from "./fakes.js";

const ACCOUNT = "123456789012";
const REGISTRY = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
const PASSWORD = "ecr-docker-password";
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString("base64");
const SECRET_KEY = "input-secret-key";

const ecr = mockClient(ECRClient);

function authorizes(proxyEndpoint = `https://${REGISTRY}`) {
  ecr.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [{ authorizationToken: TOKEN, proxyEndpoint, expiresAt: new Date("2030-01-01") }],
  });
}

function notFound() {
  return new RepositoryNotFoundException({
    message: `The repository with name 'team/web' does not exist in the registry with id '${ACCOUNT}'`,
    $metadata: {},
  });
}

function setup(inputs: RawPushInputs = {}, local = ["web:1.0"]) {
  const events: string[] = [];
  const engine = new FakeEngine(events, local);
  const secrets = new FakeMasker(events);
  const logger = new FakeLogger();
  const outputs = new FakeOutputs();
  const request = parsePushRequest({
    source: "web:1.0",
    repository: "team/web",
    region: "eu-west-1",
    accessKeyId: "AKIAEXAMPLE",
    secretAccessKey: SECRET_KEY,
    ...inputs,
  });
  const run = (deps: Partial<PushDeps> = {}) =>
    runPush(request, { logger, outputs, secrets, engine, clock: fixedClock, env: {}, ...deps });
  const failure = (deps: Partial<PushDeps> = {}) =>
    run(deps).then(
      () => {
        throw new Error("expected the push to fail");
      },
      (error: unknown) => error as EcrPushError,
    );
  return { events, engine, secrets, logger, outputs, run, failure };
}

describe("runPush", () => {
  beforeEach(() => {
    ecr.reset();
    authorizes();
    ecr
      .on(DescribeRepositoriesCommand)
      .resolves({ repositories: [{ registryId: ACCOUNT, repositoryName: "team/web" }] });
  });
  afterEach(() => ecr.reset());

  it("pushes one tag, sets the exact outputs and cleans up", async () => {
    const { run, outputs, events, engine, logger } = setup({ tags: "1.0" });
    const result = await run();
    const uri = `${REGISTRY}/team/web:1.0`;
    expect(result).toEqual({
      imageUri: uri,
      imageUris: [uri],
      digest: DIGEST,
      registry: REGISTRY,
      repository: "team/web",
      tags: ["1.0"],
      registryId: ACCOUNT,
      region: "eu-west-1",
      repositoryCreated: false,
      sourceImageId: IMAGE_ID,
      tagResults: [{ tag: "1.0", imageUri: uri, status: "pushed" }],
    });
    expect(outputs.values).toEqual({
      imageUri: uri,
      imageUris: uri,
      digest: DIGEST,
      registry: REGISTRY,
      repositoryCreated: "false",
    });
    expect(events).toEqual([
      `mask ${SECRET_KEY}`,
      "inspect web:1.0",
      `mask ${SECRET_KEY}`,
      `mask ${TOKEN}`,
      `mask ${PASSWORD}`,
      `login ${REGISTRY} AWS ${PASSWORD}`,
      `tag web:1.0 ${uri}`,
      `push ${uri}`,
      `remove ${uri}`,
      "dispose",
    ]);
    expect(engine.local.has("web:1.0")).toBe(true);
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)[0]?.args[0].input).toEqual({});
    expect(ecr.commandCalls(DescribeRepositoriesCommand)[0]?.args[0].input).toEqual({
      repositoryNames: ["team/web"],
    });
    expect(logger.lines).toContain("group: Authenticating");
    expect(logger.lines).toContain(`group: Pushing ${uri}`);
    expect(logger.lines).toContain("info: 5f70bf18a086: Pushed");
    for (const line of logger.lines) {
      expect(line).not.toContain(PASSWORD);
      expect(line).not.toContain(SECRET_KEY);
    }
  });

  it("pushes several tags with one digest and joins the URIs with newlines", async () => {
    const { run, outputs, events } = setup({ tags: "1.0,latest\nsha-1" });
    const result = await run();
    const uris = ["1.0", "latest", "sha-1"].map((tag) => `${REGISTRY}/team/web:${tag}`);
    expect(result.imageUris).toEqual(uris);
    expect(result.imageUri).toBe(uris[0]);
    expect(outputs.values.imageUris).toBe(uris.join("\n"));
    expect(outputs.values.imageUri).toBe(uris[0]);
    expect(events.filter((e) => e.startsWith("push "))).toEqual(uris.map((uri) => `push ${uri}`));
    expect(events.filter((e) => e.startsWith("remove "))).toEqual(uris.map((uri) => `remove ${uri}`));
  });

  it("asks for a cross-account registry and keeps the port of a local proxy endpoint", async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: TOKEN, proxyEndpoint: "http://127.0.0.1:5000" }],
    });
    const { run } = setup({ registryId: "210987654321" });
    const result = await run();
    expect(result.imageUri).toBe("127.0.0.1:5000/team/web:latest");
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)[0]?.args[0].input).toEqual({
      registryIds: ["210987654321"],
    });
    expect(ecr.commandCalls(DescribeRepositoriesCommand)[0]?.args[0].input).toEqual({
      registryId: "210987654321",
      repositoryNames: ["team/web"],
    });
  });

  it("creates a missing repository with the requested settings", async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound());
    ecr
      .on(CreateRepositoryCommand)
      .resolves({ repository: { registryId: ACCOUNT, repositoryName: "team/web" } });
    const { run, outputs } = setup({
      createRepository: "true",
      imageTagMutability: "IMMUTABLE",
      scanOnPush: true,
      kmsKey: "alias/ecr",
      repositoryTags: "team=web,env=prod",
    });
    const result = await run();
    expect(result.repositoryCreated).toBe(true);
    expect(outputs.values.repositoryCreated).toBe("true");
    expect(ecr.commandCalls(CreateRepositoryCommand)[0]?.args[0].input).toEqual({
      repositoryName: "team/web",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: "KMS", kmsKey: "alias/ecr" },
      tags: [
        { Key: "team", Value: "web" },
        { Key: "env", Value: "prod" },
      ],
    });
  });

  it("treats losing a create race as success, without claiming the creation", async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound());
    ecr
      .on(CreateRepositoryCommand)
      .rejects(new RepositoryAlreadyExistsException({ message: "already exists", $metadata: {} }));
    const { run, outputs } = setup({ createRepository: true });
    const result = await run();
    expect(result.repositoryCreated).toBe(false);
    expect(result.registryId).toBe(ACCOUNT);
    expect(outputs.values.repositoryCreated).toBe("false");
  });

  const LIFECYCLE = JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: 14,
        },
        action: { type: "expire" },
      },
    ],
  });
  const POLICY = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "ecr:*" }],
  });
  const creating = {
    createRepository: true,
    imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
    imageTagMutabilityExclusionFilters: "latest,dev-*",
    lifecyclePolicy: LIFECYCLE,
    repositoryPolicy: POLICY,
  };

  it("creates with exclusion filters, then sets the lifecycle and repository policies it was given", async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound());
    ecr.on(CreateRepositoryCommand).resolves({
      repository: {
        registryId: ACCOUNT,
        repositoryName: "team/web",
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [{ filterType: "WILDCARD", filter: "latest" }],
      },
    });
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    ecr.on(SetRepositoryPolicyCommand).resolves({});
    const { run } = setup(creating);
    expect((await run()).repositoryCreated).toBe(true);
    expect(ecr.commandCalls(CreateRepositoryCommand)[0]?.args[0].input).toMatchObject({
      imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
      imageTagMutabilityExclusionFilters: [
        { filterType: "WILDCARD", filter: "latest" },
        { filterType: "WILDCARD", filter: "dev-*" },
      ],
    });
    expect(ecr.commandCalls(PutLifecyclePolicyCommand).map((c) => c.args[0].input)).toEqual([
      { repositoryName: "team/web", registryId: ACCOUNT, lifecyclePolicyText: LIFECYCLE },
    ]);
    expect(ecr.commandCalls(SetRepositoryPolicyCommand).map((c) => c.args[0].input)).toEqual([
      { repositoryName: "team/web", registryId: ACCOUNT, policyText: POLICY },
    ]);
  });

  it("warns that an existing repository keeps its settings and gets none of the policies", async () => {
    const { run, logger } = setup(creating);
    expect((await run()).repositoryCreated).toBe(false);
    expect(ecr.commandCalls(CreateRepositoryCommand)).toHaveLength(0);
    expect(ecr.commandCalls(PutLifecyclePolicyCommand)).toHaveLength(0);
    expect(logger.lines).toContain(
      'warn: Repository "team/web" already exists, so tag mutability IMMUTABLE_WITH_EXCLUSION, the lifecycle policy, the repository policy were not applied: repository settings apply only when the push creates the repository.',
    );
  });

  it("applies no policy when another push created the repository first, and honours its mutability", async () => {
    ecr
      .on(DescribeRepositoriesCommand)
      .rejectsOnce(notFound())
      .resolves({
        repositories: [{ registryId: ACCOUNT, repositoryName: "team/web", imageTagMutability: "IMMUTABLE" }],
      });
    ecr
      .on(CreateRepositoryCommand)
      .rejects(new RepositoryAlreadyExistsException({ message: "already exists", $metadata: {} }));
    const { run } = setup(creating);
    expect((await run()).repositoryCreated).toBe(false);
    expect(ecr.commandCalls(PutLifecyclePolicyCommand)).toHaveLength(0);
    expect(ecr.commandCalls(SetRepositoryPolicyCommand)).toHaveLength(0);
    expect(ecr.commandCalls(DescribeRepositoriesCommand)).toHaveLength(2);
  });

  it("fails in one sentence when a created repository's policy cannot be set", async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound());
    ecr
      .on(CreateRepositoryCommand)
      .resolves({ repository: { registryId: ACCOUNT, repositoryName: "team/web" } });
    ecr.on(PutLifecyclePolicyCommand).rejects(
      new ECRServiceException({
        name: "AccessDeniedException",
        $fault: "client",
        message: "not authorized to perform: ecr:PutLifecyclePolicy",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { failure } = setup(creating);
    const error = await failure();
    expect(error.message).toMatch(
      /^Created repository team\/web, but its lifecycle policy could not be set \(.*\): allow ecr:PutLifecyclePolicy to these credentials, then set it on the repository yourself \(a re-run finds the repository and applies no settings\)\.$/,
    );
    expect(ecr.commandCalls(SetRepositoryPolicyCommand)).toHaveLength(0);
  });

  it("fails on a missing repository without the create flag, naming the flag as the host spells it", async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound());
    const { failure, events, engine } = setup();
    const error = await failure({ inputNames: { createRepository: "--create-repository" } });
    expect(error).toBeInstanceOf(PushFailedError);
    expect(error.code).toBe("RepositoryNotFound");
    expect(error.message).toBe(
      `Repository "team/web" does not exist in registry ${ACCOUNT} (eu-west-1): create it, or set --create-repository to create it during the push.`,
    );
    expect(ecr.commandCalls(CreateRepositoryCommand)).toHaveLength(0);
    // The login ran alongside the repository check; its credentials went with dispose().
    expect(events.at(-1)).toBe("dispose");
    expect(engine.disposed).toBe(1);
  });

  it("lets a login still running finish before cleanup when the repository check fails", async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound());
    const { failure, events, engine } = setup();
    const login = engine.login.bind(engine);
    engine.login = async (...args: Parameters<typeof engine.login>) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await login(...args);
      events.push("login finished");
    };
    expect((await failure()).code).toBe("RepositoryNotFound");
    expect(events.slice(-3)).toEqual(["login finished", `remove ${REGISTRY}/team/web:latest`, "dispose"]);
  });

  it("fails before creating anything or logging in when the source image is missing", async () => {
    const { failure, events } = setup({}, []);
    const error = await failure({ inputNames: { source: "SOURCE" } });
    expect(error.code).toBe("SourceImageNotFound");
    expect(error.message).toBe(
      'Source image "web:1.0" was not found in the local engine: check SOURCE (docker images lists the local images).',
    );
    // Read-only calls may have run alongside the inspect; nothing was created or logged in to.
    expect(ecr.commandCalls(CreateRepositoryCommand)).toHaveLength(0);
    expect(events.filter((e) => !e.startsWith("mask "))).toEqual(["inspect web:1.0", "dispose"]);
  });

  it("fails when the tags were pushed with different digests", async () => {
    const { failure, engine } = setup({ tags: "a,b" });
    const other = `sha256:${"e".repeat(64)}`;
    engine.pushDigests[`${REGISTRY}/team/web:b`] = other;
    const error = await failure();
    expect(error.code).toBe("DigestMismatch");
    expect(error.message).toBe(
      `The tags were pushed with different digests (${REGISTRY}/team/web:a ${DIGEST}, ${REGISTRY}/team/web:b ${other}): the local image changed during the push, so push again.`,
    );
  });

  it("cleans up after a failed push: only the tags it created, and keeps the source so a retry can use it", async () => {
    const existing = `${REGISTRY}/team/web:latest`;
    const { failure, engine, events } = setup({ tags: "latest,new", removeLocalImage: "true" }, [
      "web:1.0",
      existing,
    ]);
    const pushFailed = new PushFailedError("PushFailed", "The push failed.");
    engine.failOn = { method: "push", error: pushFailed };
    expect(await failure()).toBe(pushFailed);
    // The first push failed: "new" was tagged for it and goes, "latest" pre-existed and stays, and
    // the source stays even with removeLocalImage, which applies only to a successful push.
    expect(events.filter((e) => e.startsWith("remove ") || e === "dispose")).toEqual([
      `remove ${REGISTRY}/team/web:new`,
      "dispose",
    ]);
    expect(engine.local.has(existing)).toBe(true);
    expect(engine.local.has("web:1.0")).toBe(true);
  });

  it("removes created tags but keeps the source when not asked, even on failure", async () => {
    const { failure, engine, events } = setup({ tags: "a,b" });
    engine.pushDigests[`${REGISTRY}/team/web:b`] = "sha256:other";
    await failure();
    expect(events.filter((e) => e.startsWith("remove ") || e === "dispose")).toEqual([
      `remove ${REGISTRY}/team/web:a`,
      `remove ${REGISTRY}/team/web:b`,
      "dispose",
    ]);
  });

  it("keeps a target tag the source already carried and removes only the ones it made", async () => {
    const existing = `${REGISTRY}/team/web:latest`;
    const { run, engine, events } = setup({ tags: "latest,new" }, ["web:1.0", existing]);
    await run();
    expect(events.filter((e) => e.startsWith("remove "))).toEqual([`remove ${REGISTRY}/team/web:new`]);
    expect(engine.local.has(existing)).toBe(true);
  });

  it("reports the image size ECR gives and logs each call's request and response without the token", async () => {
    ecr
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageDigest: DIGEST, imageSizeInBytes: 5_242_880 }] });
    const { run, logger } = setup();
    const result = await run();
    expect(result.imageSizeBytes).toBe(5_242_880);
    expect(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input).toEqual({
      repositoryName: "team/web",
      imageIds: [{ imageDigest: DIGEST }],
    });
    const calls = logger.lines.filter((line) => line.includes("ECR "));
    expect(calls).toContain(
      'debug: ECR DescribeRepositories request (region eu-west-1): {"repositoryNames":["team/web"]}',
    );
    expect(calls.some((line) => line.includes('"authorizationToken":"***"'))).toBe(true);
    expect(calls.join("\n")).not.toContain(TOKEN);
  });

  it("still succeeds, without a size, when ECR cannot describe the image", async () => {
    ecr.on(DescribeImagesCommand).rejects(new Error("no access"));
    const { run } = setup();
    expect((await run()).imageSizeBytes).toBeUndefined();
  });

  it("removes the source after a successful push when asked", async () => {
    const { run, events } = setup({ removeLocalImage: true });
    await run();
    expect(events.slice(-3)).toEqual([`remove ${REGISTRY}/team/web:latest`, "remove web:1.0", "dispose"]);
  });

  it("still disposes the engine when a removal fails, and warns", async () => {
    const { run, engine, logger } = setup();
    engine.failOn = { method: "remove", error: new Error("device busy") };
    await run();
    expect(engine.disposed).toBe(1);
    expect(logger.lines).toContain(
      `warn: Could not remove local image ${REGISTRY}/team/web:latest: device busy`,
    );
  });

  it("stops between steps when aborted, and still cleans up", async () => {
    const controller = new AbortController();
    const { failure, engine, events } = setup();
    const inspect = engine.inspect.bind(engine);
    engine.inspect = async (reference: string) => {
      const image = await inspect(reference);
      controller.abort();
      return image;
    };
    const error = await failure({ signal: controller.signal });
    expect(error.code).toBe("Aborted");
    expect(error.message).toBe("The push was cancelled.");
    expect(ecr.calls()).toHaveLength(0);
    expect(events.at(-1)).toBe("dispose");
  });

  it("reports an abort during a step as the abort, and removes what it tagged", async () => {
    const controller = new AbortController();
    const { failure, engine, events } = setup({ tags: "x" });
    engine.push = async () => {
      controller.abort();
      throw new Error("docker push was killed");
    };
    const error = await failure({ signal: controller.signal });
    expect(error.code).toBe("Aborted");
    expect(events.slice(-2)).toEqual([`remove ${REGISTRY}/team/web:x`, "dispose"]);
  });

  it("masks the registry password before the engine logs in", async () => {
    const { run, events } = setup();
    await run();
    const masked = events.indexOf(`mask ${PASSWORD}`);
    expect(masked).toBeGreaterThanOrEqual(0);
    expect(masked).toBeLessThan(events.findIndex((e) => e.startsWith("login ")));
  });

  it("maps AWS errors from ECR calls to one sentence", async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound());
    ecr.on(CreateRepositoryCommand).rejects(
      new ECRServiceException({
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: {},
        message: `User: arn:aws:iam::${ACCOUNT}:user/ci is not authorized to perform: ecr:CreateRepository on resource: arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/team/web because no identity-based policy allows the ecr:CreateRepository action`,
      }),
    );
    const { failure, engine } = setup({ createRepository: true });
    const error = await failure();
    expect(error.code).toBe("AccessDenied");
    expect(error.message).toBe(
      "AWS denied ecr:CreateRepository (AccessDeniedException): allow that action for these credentials in an IAM policy.",
    );
    expect(engine.disposed).toBe(1);
  });

  it("uses the region from the injected environment", async () => {
    const { run } = setup({ region: "" });
    const result = await run({ env: { AWS_REGION: "ap-south-1" } });
    expect(result.region).toBe("ap-south-1");
  });
});
