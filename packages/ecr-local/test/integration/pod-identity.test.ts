import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DescribeRepositoriesCommand, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { ecrClient, localEcr } from "./helpers.js";

// The endpoint as the EKS Pod Identity agent serves it: GET /v1/credentials, the pod's service
// account token in the Authorization header, re-read from the token file at every request.
describe("the EKS Pod Identity agent endpoint", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-local-pod-identity-"));
  const tokenFile = path.join(dir, "eks-pod-identity-token");
  let ecr: LocalEcr;
  beforeAll(async () => {
    writeFileSync(tokenFile, "first-token");
    ecr = await localEcr({ podIdentity: { tokenFile, roleArn: "arn:aws:iam::123456789012:role/builder" } });
  });
  afterAll(async () => {
    await ecr.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = (authorization?: string) =>
    fetch(ecr.podIdentityUri, authorization === undefined ? {} : { headers: { authorization } });

  it("serves the role's credentials for the token in the file, and ECR accepts them", async () => {
    const answer = await ask("first-token");
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual([
      "AccessKeyId",
      "AccountId",
      "Expiration",
      "SecretAccessKey",
      "Token",
    ]);
    expect(body.AccessKeyId).toMatch(/^ASIA/);
    expect(body.AccountId).toBe("123456789012");
    const hours = (Date.parse(body.Expiration as string) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(5.9);
    const client = ecrClient(ecr, {
      accessKeyId: body.AccessKeyId as string,
      secretAccessKey: body.SecretAccessKey as string,
      sessionToken: body.Token,
    });
    await client.send(new GetAuthorizationTokenCommand({}));
    await client.send(new DescribeRepositoriesCommand({}));
    expect(ecr.assumedRoles.at(-1)).toMatchObject({
      action: "AssumeRoleForPodIdentity",
      roleArn: "arn:aws:iam::123456789012:role/builder",
      accessKeyId: body.AccessKeyId,
    });
    // The token is never kept.
    expect(JSON.stringify(ecr.assumedRoles)).not.toContain("first-token");
  });

  it("refuses a missing token (400) and any other token (401)", async () => {
    const missing = await ask();
    expect(missing.status).toBe(400);
    expect(await missing.text()).toBe("Service account token cannot be empty");
    const wrong = await ask("not-the-token");
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      Code: "AccessDeniedException",
      Message: "The service account token is not the one issued to this pod",
    });
  });

  it("reads the token file at every request: after a rotation only the new token works", async () => {
    writeFileSync(tokenFile, "rotated-token");
    expect((await ask("first-token")).status).toBe(401);
    expect((await ask("rotated-token")).status).toBe(200);
  });

  it("is not served unless asked for", async () => {
    const plain = await localEcr();
    try {
      expect((await fetch(plain.podIdentityUri, { headers: { authorization: "x" } })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe("announcing another registry host", () => {
  it("names it in proxyEndpoint and repository URIs, and goes back to the loopback one", async () => {
    const ecr = await localEcr({ registryHost: "123456789012.dkr.ecr.us-east-1.amazonaws.com" });
    try {
      const client = ecrClient(ecr);
      const token = await client.send(new GetAuthorizationTokenCommand({}));
      expect(token.authorizationData?.[0]?.proxyEndpoint).toBe(
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
      );
      ecr.announceRegistryHost(undefined);
      const again = await client.send(new GetAuthorizationTokenCommand({}));
      expect(again.authorizationData?.[0]?.proxyEndpoint).toBe(ecr.endpoint);
    } finally {
      await ecr.close();
    }
  });
});
