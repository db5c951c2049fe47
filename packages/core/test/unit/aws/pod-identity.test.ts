import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LocalEcr, startLocalEcr } from "@ecr-push/ecr-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCredentialProvider,
  EcrApi,
  maskSecretInputs,
  PushFailedError,
  planCredentials,
  resolveCredentials,
} from "../../../src/index.js";
import { FakeLogger, FakeMasker } from "../workflow/fakes.js";

// The real SDK container provider against ecr-local playing the EKS Pod Identity agent: the
// credentials it serves sign real ECR calls; a wrong token is one sentence without the token.
describe("EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI with a token file)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-pod-identity-"));
  const tokenFile = path.join(dir, "eks-pod-identity-token");
  let ecr: LocalEcr;
  let env: Record<string, string>;
  beforeAll(async () => {
    writeFileSync(tokenFile, "pod-token-one");
    ecr = await startLocalEcr({ env: {}, podIdentity: { tokenFile } });
    env = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: ecr.podIdentityUri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      AWS_ENDPOINT_URL_ECR: ecr.endpoint,
    };
  });
  afterAll(async () => {
    await ecr.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is planned as container credentials and masks the token", () => {
    expect(planCredentials({}, env).description).toBe("container credentials");
    // The chain tries a web identity token file or a profile first, so those keep the whole chain.
    expect(planCredentials({}, { ...env, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile }).source).toBe(
      "default chain",
    );
    const secrets = new FakeMasker();
    maskSecretInputs({}, secrets, env);
    expect(secrets.masked).toContain("pod-token-one");
  });

  it("pushes with the agent's credentials, reading the rotated token again at each fetch", async () => {
    const secrets = new FakeMasker();
    const provider = createCredentialProvider({}, { region: ecr.region, env, secrets });
    const first = await provider();
    const api = new EcrApi({
      region: ecr.region,
      credentials: first,
      env,
      logger: new FakeLogger(),
      secrets,
    });
    await expect(api.getAuthorization()).resolves.toMatchObject({ registry: ecr.registry });
    api.destroy();
    expect(secrets.masked).toContain(first.secretAccessKey);

    writeFileSync(tokenFile, "pod-token-two");
    const second = await provider();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    const served = ecr.assumedRoles.filter((r) => r.action === "AssumeRoleForPodIdentity");
    expect(served.map((r) => r.accessKeyId)).toEqual([first.accessKeyId, second.accessKeyId]);
  });

  it("says in one sentence that the endpoint refused a wrong token, and never prints it", async () => {
    const wrong = path.join(dir, "stale-token");
    writeFileSync(wrong, "stale-pod-token");
    const error = await resolveCredentials(
      {},
      {
        region: ecr.region,
        env: { ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: wrong },
        secrets: new FakeMasker(),
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushFailedError);
    const message = (error as Error).message;
    expect(message).toBe(
      `The container credentials endpoint ${ecr.podIdentityUri} refused the request (HTTP 401 AccessDeniedException): check that AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is the pod's current service account token, and that the pod's service account has an EKS Pod Identity association (or the task a role).`,
    );
    expect(message).not.toContain("stale-pod-token");
  }, 20_000);

  it("says in one sentence when no agent answers", async () => {
    const closed = await startLocalEcr({ env: {} });
    const uri = closed.podIdentityUri;
    await closed.close();
    const error = await resolveCredentials(
      {},
      {
        region: "us-east-1",
        env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: uri, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile },
        secrets: new FakeMasker(),
      },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `Could not get credentials from the container credentials endpoint ${uri} (no answer): check that the EKS Pod Identity agent (or the ECS agent) runs and that AWS_CONTAINER_CREDENTIALS_FULL_URI points at it.`,
    );
  }, 20_000);
});
