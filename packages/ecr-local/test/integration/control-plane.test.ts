import {
  BatchCheckLayerAvailabilityCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  InvalidParameterException,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { ecrClient, localEcr, setEndpointEnv } from "./helpers.js";

describe("ECR control plane with @aws-sdk/client-ecr", () => {
  let ecr: LocalEcr;
  beforeAll(async () => {
    ecr = await localEcr({ accountId: "111122223333", region: "eu-west-1" });
  });
  afterAll(() => ecr.close());

  it("creates, describes and deletes a repository with its settings (endpoint from AWS_ENDPOINT_URL_ECR)", async () => {
    const restore = setEndpointEnv("AWS_ENDPOINT_URL_ECR", ecr.endpoint);
    onTestFinished(restore);
    const { accessKeyId, secretAccessKey } = ecr;
    const client = new ECRClient({ region: ecr.region, credentials: { accessKeyId, secretAccessKey } });
    const created = await client.send(
      new CreateRepositoryCommand({
        repositoryName: "team/app",
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: "KMS" },
        tags: [{ Key: "owner", Value: "platform" }],
      }),
    );
    expect(created.repository).toMatchObject({
      repositoryArn: "arn:aws:ecr:eu-west-1:111122223333:repository/team/app",
      registryId: "111122223333",
      repositoryName: "team/app",
      repositoryUri: `${ecr.registry}/team/app`,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: {
        encryptionType: "KMS",
        kmsKey: "arn:aws:kms:eu-west-1:111122223333:alias/aws/ecr",
      },
    });
    expect(created.repository?.createdAt).toBeInstanceOf(Date);
    expect(Math.abs((created.repository?.createdAt?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(ecr.repository("team/app")?.tags).toEqual([{ Key: "owner", Value: "platform" }]);

    const described = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ["team/app"] }));
    expect(described.repositories?.[0]).toEqual(created.repository);

    await expect(
      client.send(new CreateRepositoryCommand({ repositoryName: "team/app" })),
    ).rejects.toBeInstanceOf(RepositoryAlreadyExistsException);
    const deleted = await client.send(new DeleteRepositoryCommand({ repositoryName: "team/app" }));
    expect(deleted.repository?.repositoryName).toBe("team/app");
    expect(ecr.repository("team/app")).toBeUndefined();
  });

  it("maps errors to the SDK's typed exceptions", async () => {
    const client = ecrClient(ecr);
    const missing = await client
      .send(new DescribeRepositoriesCommand({ repositoryNames: ["nope"] }))
      .catch((e) => e);
    expect(missing).toBeInstanceOf(RepositoryNotFoundException);
    expect(missing.message).toBe(
      "The repository with name 'nope' does not exist in the registry with id '111122223333'",
    );
    expect(missing.$metadata.httpStatusCode).toBe(400);

    await expect(
      client.send(new CreateRepositoryCommand({ repositoryName: "Bad_Name" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      client.send(
        new CreateRepositoryCommand({ repositoryName: "ok-name", imageTagMutability: "SOMETIMES" as never }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);

    await client.send(new CreateRepositoryCommand({ repositoryName: "empty" }));
    await expect(
      client.send(new DescribeImagesCommand({ repositoryName: "empty", imageIds: [{ imageTag: "v1" }] })),
    ).rejects.toBeInstanceOf(ImageNotFoundException);
    const layers = await client.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: "empty",
        layerDigests: [`sha256:${"0".repeat(64)}`],
      }),
    );
    expect(layers.failures?.[0]?.failureCode).toBe("MissingLayerDigest");

    const foreign = await client
      .send(new DescribeRepositoriesCommand({ registryId: "999999999999", repositoryNames: ["empty"] }))
      .catch((e) => e);
    expect(foreign.name).toBe("AccessDeniedException");
    expect(foreign.message).toContain("ecr:DescribeRepositories");
  });

  it("refuses unknown keys and wrong secrets", async () => {
    const unknown = ecrClient(ecr, {
      accessKeyId: "AKIANOTKNOWN00000000",
      secretAccessKey: ecr.secretAccessKey,
    });
    const e1 = await unknown.send(new DescribeRepositoriesCommand({})).catch((e) => e);
    expect(e1.name).toBe("UnrecognizedClientException");
    expect(e1.message).toBe("The security token included in the request is invalid.");

    const wrongSecret = ecrClient(ecr, { accessKeyId: ecr.accessKeyId, secretAccessKey: "wrong" });
    const e2 = await wrongSecret.send(new DescribeRepositoriesCommand({})).catch((e) => e);
    expect(e2.name).toBe("InvalidSignatureException");
    expect(ecr.calls.at(-1)).toMatchObject({
      service: "ecr",
      operation: "DescribeRepositories",
      status: 400,
    });
  });

  it("issues registry passwords through GetAuthorizationToken", async () => {
    const out = await ecrClient(ecr).send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData?.[0];
    expect(data?.proxyEndpoint).toBe(ecr.endpoint);
    const [user, password] = Buffer.from(data?.authorizationToken ?? "", "base64")
      .toString()
      .split(":");
    expect(user).toBe("AWS");
    expect(password?.length).toBeGreaterThan(20);
    const hours = ((data?.expiresAt?.getTime() ?? 0) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);

    const auth = `Basic ${data?.authorizationToken}`;
    expect((await fetch(`${ecr.endpoint}/v2/`, { headers: { authorization: auth } })).status).toBe(200);
    const anonymous = await fetch(`${ecr.endpoint}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
  });

  it("uses the key pair from env when none is given, and announces only generated ones", async () => {
    const fromEnv = await localEcr({
      env: { AWS_ACCESS_KEY_ID: "AKIAFROMENV000000000", AWS_SECRET_ACCESS_KEY: "s" },
    });
    try {
      expect(fromEnv.generatedCredentials).toBe(false);
      expect(JSON.parse(fromEnv.readyLine())).toEqual({
        endpoint: fromEnv.endpoint,
        registry: fromEnv.registry,
        publicRegistry: fromEnv.publicRegistry,
        publicRegistryAlias: "ecr-local",
        accountId: "123456789012",
        region: "us-east-1",
      });
      const out = await ecrClient(fromEnv).send(new DescribeRepositoriesCommand({}));
      expect(out.repositories).toEqual([]);
    } finally {
      await fromEnv.close();
      await fromEnv.close();
    }
    expect(ecr.generatedCredentials).toBe(true);
    expect(JSON.parse(ecr.readyLine()).secretAccessKey).toBe(ecr.secretAccessKey);
  });
});
