import { describe, expect, it } from "vitest";
import { agentOidcTokens, readCredentials } from "../../src/credentials.js";
import { envAgent } from "./agent-env.js";

const ID = "5f1c0c4e-2222-4ccc-9ddd-000000000001";
const auth = (params: Record<string, string>, scheme = "UsernamePassword") => ({
  INPUT_AWSCREDENTIALS: ID,
  [`ENDPOINT_AUTH_SCHEME_${ID.toUpperCase()}`]: scheme,
  ...Object.fromEntries(
    Object.entries(params).map(([k, v]) => [
      `ENDPOINT_AUTH_PARAMETER_${ID.toUpperCase()}_${k.toUpperCase()}`,
      v,
    ]),
  ),
});

function masker() {
  const masked: string[] = [];
  return { masked, mask: (s: string) => masked.push(s) };
}
const noOidc = async () => {
  throw new Error("no OIDC expected");
};

describe("credentials, in the AWS Toolkit's order", () => {
  it("uses the service connection's keys and masks the secret and session token", async () => {
    const secrets = masker();
    const c = await readCredentials(
      envAgent({
        ...auth({ username: "AKIA1", password: "secret-1234", sessionToken: "token-1234" }),
        AWS_ACCESSKEYID: "AKIA-IGNORED",
      }),
      secrets,
      noOidc,
    );
    expect(c.raw).toMatchObject({
      accessKeyId: "AKIA1",
      secretAccessKey: "secret-1234",
      sessionToken: "token-1234",
    });
    expect(c.raw.roleArn).toBe("");
    expect(secrets.masked).toEqual(["secret-1234", "token-1234"]);
    expect(c.names.secretAccessKey).toBe("Secret Access Key of service connection awsCredentials");
  });

  it("assumes the connection's role with its external id, session name and the duration variable", async () => {
    const c = await readCredentials(
      envAgent({
        ...auth({
          username: "AKIA1",
          password: "secret-1234",
          assumeRoleArn: "arn:aws:iam::123456789012:role/push",
          externalId: "ext-1",
        }),
        AWS_ROLECREDENTIAL_MAXDURATION: "1800",
      }),
      masker(),
      noOidc,
    );
    expect(c.raw).toMatchObject({
      roleArn: "arn:aws:iam::123456789012:role/push",
      externalId: "ext-1",
      roleSessionName: "aws-vsts-tools",
      roleDurationSeconds: "1800",
    });
  });

  it("reads role settings from the endpoint data when the auth parameters lack them", async () => {
    const c = await readCredentials(
      envAgent({
        ...auth({}),
        [`ENDPOINT_DATA_${ID.toUpperCase()}_ASSUMEROLEARN`]: "arn:aws:iam::123456789012:role/data",
        [`ENDPOINT_DATA_${ID.toUpperCase()}_ROLESESSIONNAME`]: "from-data",
      }),
      masker(),
      noOidc,
    );
    // No keys: the role is assumed with the agent's own credentials (default chain), as the Toolkit does.
    expect(c.raw).toMatchObject({
      accessKeyId: "",
      roleArn: "arn:aws:iam::123456789012:role/data",
      roleSessionName: "from-data",
    });
  });

  it("exchanges an OIDC token for the role of an OIDC connection (scheme None) and masks it", async () => {
    const secrets = masker();
    const c = await readCredentials(
      envAgent(auth({ role: "arn:aws:iam::123456789012:role/oidc" }, "None")),
      secrets,
      async (id) => `header.${id}.signature`,
    );
    expect(c.raw).toMatchObject({
      accessKeyId: "",
      roleArn: "arn:aws:iam::123456789012:role/oidc",
      webIdentityToken: `header.${ID}.signature`,
      roleSessionName: "aws-vsts-tools",
      roleDurationSeconds: "",
    });
    expect(secrets.masked).toEqual([`header.${ID}.signature`]);
  });

  it("takes the useOIDC flag and assumeRoleArn of an OIDC connection too", async () => {
    const c = await readCredentials(
      envAgent(auth({ useOIDC: "true", assumeRoleArn: "arn:aws:iam::123456789012:role/o2" })),
      masker(),
      async () => "a.b.c",
    );
    expect(c.raw).toMatchObject({ roleArn: "arn:aws:iam::123456789012:role/o2", webIdentityToken: "a.b.c" });
  });

  it("reads a connection the Toolkit's form made: Use OIDC unticked is keys and a role", async () => {
    const secrets = masker();
    const c = await readCredentials(
      envAgent(
        auth({
          username: "AKIA3",
          password: "secret-9012",
          sessionToken: "",
          assumeRoleArn: "arn:aws:iam::123456789012:role/tk",
          externalId: "ext-3",
          roleSessionName: "",
          useOIDC: "false",
        }),
      ),
      secrets,
      noOidc,
    );
    expect(c.raw).toMatchObject({
      accessKeyId: "AKIA3",
      secretAccessKey: "secret-9012",
      roleArn: "arn:aws:iam::123456789012:role/tk",
      externalId: "ext-3",
      roleSessionName: "aws-vsts-tools",
      webIdentityToken: "",
    });
    expect(c.description).not.toContain("OIDC");
  });

  it("uses the keys when Use OIDC is ticked on a connection that also has keys, as the Toolkit does", async () => {
    const c = await readCredentials(
      envAgent(
        auth({
          username: "AKIA4",
          password: "secret-3456",
          assumeRoleArn: "arn:aws:iam::123456789012:role/both",
          useOIDC: "true",
        }),
      ),
      masker(),
      noOidc,
    );
    expect(c.raw).toMatchObject({
      accessKeyId: "AKIA4",
      secretAccessKey: "secret-3456",
      roleArn: "arn:aws:iam::123456789012:role/both",
      webIdentityToken: "",
    });
  });

  it("falls back to the AWS.* task variables, the secret ones read from SECRET_*", async () => {
    const secrets = masker();
    const c = await readCredentials(
      envAgent({
        AWS_ACCESSKEYID: "AKIA2",
        SECRET_AWS_SECRETACCESSKEY: "secret-5678",
        SECRET_AWS_SESSIONTOKEN: "token-5678",
        AWS_ASSUMEROLEARN: "arn:aws:iam::123456789012:role/vars",
        AWS_EXTERNALID: "ext-2",
      }),
      secrets,
      noOidc,
    );
    expect(c.raw).toMatchObject({
      accessKeyId: "AKIA2",
      secretAccessKey: "secret-5678",
      sessionToken: "token-5678",
      roleArn: "arn:aws:iam::123456789012:role/vars",
      externalId: "ext-2",
      roleSessionName: "aws-vsts-tools",
    });
    expect(secrets.masked).toEqual(["secret-5678", "token-5678"]);
    expect(c.names.secretAccessKey).toBe("AWS.SecretAccessKey variable");
  });

  it("leaves everything to the default chain without a connection or AWS.AccessKeyID", async () => {
    const c = await readCredentials(
      envAgent({ AWS_ASSUMEROLEARN: "arn:aws:iam::123456789012:role/x" }),
      masker(),
      noOidc,
    );
    expect(c.raw).toEqual({});
  });
});

describe("the agent's OIDC token", () => {
  const env = {
    SYSTEM_OIDCREQUESTURI:
      "https://dev.azure.com/org/project/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken",
    SECRET_SYSTEM_ACCESSTOKEN: "job-access-token",
  };

  it("is requested with the job token for the connection and api-version 7.1", async () => {
    const secrets = masker();
    const calls: { url: string; init: RequestInit }[] = [];
    const fetchFake = (async (url: URL, init: RequestInit) => {
      calls.push({ url: String(url), init });
      return new Response(JSON.stringify({ oidcToken: "x.y.z" }), { status: 200 });
    }) as unknown as typeof fetch;
    const token = await agentOidcTokens(envAgent(env), secrets, fetchFake)(ID);
    expect(token).toBe("x.y.z");
    expect(calls[0]?.url).toBe(`${env.SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=${ID}`);
    expect(calls[0]?.init).toMatchObject({
      method: "POST",
      headers: { authorization: "Bearer job-access-token" },
    });
    expect(secrets.masked).toEqual(["job-access-token"]);
  });

  it.each([
    [
      {},
      `Service connection ${ID} uses OIDC but the agent gave no System.OidcRequestUri: run the task on an agent and Azure DevOps version that support workload identity federation.`,
    ],
    [
      { status: 401 },
      `Azure DevOps gave no OIDC token for service connection ${ID} (HTTP 401): check that this pipeline may use the connection and that it is set up for OIDC.`,
    ],
    [
      { status: 200, body: "{}" },
      `Azure DevOps gave no OIDC token for service connection ${ID} (the answer held no oidcToken): check that this pipeline may use the connection and that it is set up for OIDC.`,
    ],
  ])("fails in one sentence (%j)", async (answer, message) => {
    const fetchFake = (async () =>
      new Response((answer as { body?: string }).body ?? "", {
        status: (answer as { status?: number }).status ?? 200,
      })) as unknown as typeof fetch;
    const agent = envAgent("status" in answer ? env : {});
    await expect(agentOidcTokens(agent, masker(), fetchFake)(ID)).rejects.toThrow(message);
  });
});
