import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  type CredentialInputs,
  maskSecretInputs,
  PushFailedError,
  planCredentials,
  resolveCredentials,
} from "../../../src/index.js";
import { FakeMasker } from "../workflow/fakes.js";

// Each factory records its options and returns a provider with recognisable credentials.
const providers = vi.hoisted(() => {
  const make = (name: string) =>
    vi.fn((_init?: unknown) => async () => ({
      accessKeyId: `${name}-id`,
      secretAccessKey: `${name}-secret`,
      sessionToken: `${name}-token`,
    }));
  return {
    fromIni: make("ini"),
    fromNodeProviderChain: make("chain"),
    fromTokenFile: make("tokenfile"),
    fromWebToken: make("webtoken"),
    fromTemporaryCredentials: vi.fn((init: { masterCredentials: () => Promise<unknown> }) => async () => {
      await init.masterCredentials();
      return { accessKeyId: "assumed-id", secretAccessKey: "assumed-secret", sessionToken: "assumed-token" };
    }),
  };
});
vi.mock("@aws-sdk/credential-providers", () => providers);

const ROLE = "arn:aws:iam::123456789012:role/push";
const region = "eu-west-1";

async function resolve(inputs: CredentialInputs, env: Record<string, string> = {}) {
  const secrets = new FakeMasker();
  const credentials = await resolveCredentials(inputs, { region, env, secrets });
  return { credentials, masked: secrets.masked };
}

function called() {
  return Object.entries(providers)
    .filter(([, fn]) => fn.mock.calls.length > 0)
    .map(([name]) => name);
}

describe("credentials", () => {
  beforeEach(() => {
    for (const fn of Object.values(providers)) fn.mockClear();
  });

  it("uses explicit keys as they are, and masks the secret and token", async () => {
    const { credentials, masked } = await resolve({
      accessKeyId: "AKIA1",
      secretAccessKey: "sk",
      sessionToken: "st",
    });
    expect(credentials).toEqual({ accessKeyId: "AKIA1", secretAccessKey: "sk", sessionToken: "st" });
    expect(called()).toEqual([]);
    expect(masked).toEqual(["sk", "st"]);
  });

  it("prefers keys over a profile, and a profile over web identity", async () => {
    expect(planCredentials({ accessKeyId: "a", secretAccessKey: "s", profile: "dev" }, {}).source).toBe(
      "access keys",
    );
    // The role is then assumed on top of the profile: the web identity token is not used.
    const { credentials } = await resolve({ profile: "dev", webIdentityToken: "jwt", roleArn: ROLE });
    expect(credentials.accessKeyId).toBe("assumed-id");
    expect(called()).toEqual(["fromIni", "fromTemporaryCredentials"]);
    expect(providers.fromIni).toHaveBeenCalledWith({ profile: "dev" });
  });

  it("assumes a role on top of a profile with the STS settings", async () => {
    const env = { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:4566" };
    const inputs = { profile: "dev", roleArn: ROLE, externalId: "ext", roleDurationSeconds: 1800 };
    const { credentials, masked } = await resolve(inputs, env);
    expect(credentials.accessKeyId).toBe("assumed-id");
    expect(called()).toEqual(["fromIni", "fromTemporaryCredentials"]);
    expect(providers.fromTemporaryCredentials).toHaveBeenCalledWith(
      expect.objectContaining({
        params: { RoleArn: ROLE, RoleSessionName: "ecr-push", ExternalId: "ext", DurationSeconds: 1800 },
        clientConfig: expect.objectContaining({ region, endpoint: "http://127.0.0.1:4566", maxAttempts: 5 }),
      }),
    );
    // Base credentials and assumed ones are both masked.
    expect(masked).toEqual(["ini-secret", "ini-token", "assumed-secret", "assumed-token"]);
    expect(planCredentials(inputs, env).description).toBe(`profile dev, then role ${ROLE}`);
  });

  it("exchanges a web identity token for the role, without assuming it again", async () => {
    const inputs = {
      webIdentityToken: "jwt",
      roleArn: ROLE,
      roleSessionName: "ci",
      roleDurationSeconds: 900,
    };
    const { credentials } = await resolve(inputs);
    expect(credentials.accessKeyId).toBe("webtoken-id");
    expect(called()).toEqual(["fromWebToken"]);
    expect(providers.fromWebToken).toHaveBeenCalledWith({
      roleArn: ROLE,
      webIdentityToken: "jwt",
      roleSessionName: "ci",
      durationSeconds: 900,
      clientConfig: expect.objectContaining({ region }),
    });
  });

  it("reads a web identity token file", async () => {
    await resolve({ webIdentityTokenFile: "/var/run/token", roleArn: ROLE });
    expect(called()).toEqual(["fromTokenFile"]);
    expect(providers.fromTokenFile).toHaveBeenCalledWith(
      expect.objectContaining({
        webIdentityTokenFile: "/var/run/token",
        roleArn: ROLE,
        roleSessionName: "ecr-push",
      }),
    );
  });

  it("takes access keys from the injected environment before the rest of the chain", async () => {
    const env = { AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "env-secret" };
    const { credentials, masked } = await resolve({}, env);
    expect(credentials).toEqual({ accessKeyId: "AKIAENV", secretAccessKey: "env-secret" });
    expect(called()).toEqual([]);
    expect(masked).toEqual(["env-secret"]);
  });

  it("falls back to the default chain, with AWS_PROFILE from the injected environment", async () => {
    await resolve({});
    await resolve({}, { AWS_PROFILE: "ci" });
    expect(providers.fromNodeProviderChain.mock.calls).toEqual([[{}], [{ profile: "ci" }]]);
  });

  it("masks every secret input", () => {
    const secrets = new FakeMasker();
    maskSecretInputs(
      {
        accessKeyId: "AKIA",
        secretAccessKey: "sk",
        sessionToken: "st",
        webIdentityToken: "jwt",
        profile: "p",
      },
      secrets,
    );
    expect(secrets.masked).toEqual(["sk", "st", "jwt"]);
  });

  it("reports missing credentials in one sentence naming the ways to give them", async () => {
    const missing = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    providers.fromNodeProviderChain.mockImplementationOnce(() => async () => Promise.reject(missing));
    const error = await resolve({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushFailedError);
    expect((error as PushFailedError).code).toBe("CredentialsNotFound");
    expect((error as PushFailedError).message).toMatch(
      /^No AWS credentials found: give access keys, a profile/,
    );
    expect((error as PushFailedError).message).toContain("AWS_ACCESS_KEY_ID");
  });

  it("names the role when STS refuses to assume it", async () => {
    const denied = Object.assign(
      new Error("User: arn:aws:iam::1:user/ci is not authorized to perform: sts:AssumeRole"),
      {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      },
    );
    providers.fromTemporaryCredentials.mockImplementationOnce(() => async () => Promise.reject(denied));
    const error = (await resolve({ accessKeyId: "a", secretAccessKey: "s", roleArn: ROLE }).catch(
      (e: unknown) => e,
    )) as PushFailedError;
    expect(error.code).toBe("AssumeRoleFailed");
    expect(error.message).toBe(
      `Could not assume role ${ROLE} (AccessDenied): check that the role's trust policy allows these credentials (and the external ID, if one is set).`,
    );
  });
});
