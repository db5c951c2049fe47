import { CreateRepositoryCommand, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  STSServiceException,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { ecrClient, localEcr, setEndpointEnv, stsClient } from "./helpers.js";

const ROLE = "arn:aws:iam::123456789012:role/ci/pusher";

describe("STS with @aws-sdk/client-sts", () => {
  let ecr: LocalEcr;
  beforeAll(async () => {
    ecr = await localEcr();
  });
  afterAll(() => ecr.close());

  it("assumes a role (endpoint from AWS_ENDPOINT_URL_STS) whose credentials work on ECR", async () => {
    onTestFinished(setEndpointEnv("AWS_ENDPOINT_URL_STS", ecr.endpoint));
    const { accessKeyId, secretAccessKey } = ecr;
    const sts = new STSClient({ region: ecr.region, credentials: { accessKeyId, secretAccessKey } });
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: ROLE,
        RoleSessionName: "build-42",
        ExternalId: "ext",
        DurationSeconds: 900,
      }),
    );
    const creds = out.Credentials;
    expect(creds?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/pusher/build-42");
    const minutes = ((creds?.Expiration?.getTime() ?? 0) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);

    const temp = {
      accessKeyId: creds?.AccessKeyId ?? "",
      secretAccessKey: creds?.SecretAccessKey ?? "",
      sessionToken: creds?.SessionToken ?? "",
    };
    const client = ecrClient(ecr, temp);
    await client.send(new CreateRepositoryCommand({ repositoryName: "via-role" }));
    expect(ecr.calls.at(-1)).toEqual({
      service: "ecr",
      operation: "CreateRepository",
      accessKeyId: temp.accessKeyId,
      status: 200,
    });
    const identity = await stsClient(ecr, temp).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(out.AssumedRoleUser?.Arn);

    const noToken = ecrClient(ecr, { ...temp, sessionToken: undefined });
    const error = await noToken.send(new DescribeRepositoriesCommand({})).catch((e) => e);
    expect(error.name).toBe("UnrecognizedClientException");

    expect(ecr.assumedRoles).toEqual([
      {
        action: "AssumeRole",
        roleArn: ROLE,
        roleSessionName: "build-42",
        durationSeconds: 900,
        externalId: "ext",
        hasWebIdentityToken: false,
        accessKeyId: temp.accessKeyId,
        callerAccessKeyId: ecr.accessKeyId,
      },
    ]);
  });

  it("refuses AssumeRole signed by an unknown key, with STS's error shape", async () => {
    const sts = stsClient(ecr, { accessKeyId: "AKIANOTKNOWN00000000", secretAccessKey: "x" });
    const error = await sts
      .send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "s1" }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(STSServiceException);
    expect(error.name).toBe("InvalidClientTokenId");
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it("assumes a role with a web identity token, unsigned, and never shows the token", async () => {
    const claims = Buffer.from(
      JSON.stringify({ sub: "repo:org/app:ref:main", aud: "sts.amazonaws.com" }),
    ).toString("base64url");
    const token = `eyJhbGciOiJSUzI1NiJ9.${claims}.signature`;
    const out = await stsClient(ecr).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: ROLE,
        RoleSessionName: "gha",
        WebIdentityToken: token,
      }),
    );
    expect(out.SubjectFromWebIdentityToken).toBe("repo:org/app:ref:main");
    expect(out.Credentials?.SessionToken).toBeTruthy();
    const record = ecr.assumedRoles.at(-1);
    expect(record).toMatchObject({
      action: "AssumeRoleWithWebIdentity",
      durationSeconds: 3600,
      hasWebIdentityToken: true,
    });
    expect(record?.webIdentityToken).toBe(token);
    expect(JSON.stringify(record)).not.toContain(token);

    const bad = await stsClient(ecr)
      .send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: "not-an-arn",
          RoleSessionName: "gha",
          WebIdentityToken: token,
        }),
      )
      .catch((e) => e);
    expect(bad.name).toBe("ValidationError");
    const tooLong = await stsClient(ecr)
      .send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: ROLE,
          RoleSessionName: "gha",
          WebIdentityToken: token,
          DurationSeconds: 50_000,
        }),
      )
      .catch((e) => e);
    expect(tooLong.name).toBe("ValidationError");
  });
});
