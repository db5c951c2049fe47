import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveCredentials } from "../../../src/aws/credentials.js";
import { EcrApi } from "../../../src/aws/ecr.js";
import { FakeLogger, FakeMasker } from "../workflow/fakes.js";

const credentials = { accessKeyId: "AKIAFAKE", secretAccessKey: "fake-secret" };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function api(region: string, env: Record<string, string>, dualStack?: boolean, logger = new FakeLogger()) {
  return new EcrApi({
    region,
    credentials,
    env: { AWS_MAX_ATTEMPTS: "1", ...env },
    logger,
    secrets: new FakeMasker(),
    dualStack,
  });
}

// The real SDK client, sent through an HTTPS proxy that only notes where each CONNECT goes: the
// API host the SDK picked for the region and the asked variant, with no network.
describe("the ECR API endpoint follows dual-stack and FIPS", () => {
  const targets: string[] = [];
  const proxy = createServer();
  proxy.on("connect", (req, socket) => {
    targets.push(req.url ?? "");
    socket.destroy();
  });
  let proxyUrl = "";
  beforeAll(async () => {
    proxyUrl = await listen(proxy);
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  async function hostFor(region: string, env: Record<string, string>, dualStack?: boolean) {
    targets.length = 0;
    const ecr = api(region, { HTTPS_PROXY: proxyUrl, ...env }, dualStack);
    await expect(ecr.getAuthorization()).rejects.toThrow();
    ecr.destroy();
    return targets[0];
  }

  it.each([
    ["us-east-1", {}, undefined, "api.ecr.us-east-1.amazonaws.com:443"],
    ["us-east-1", {}, true, "ecr.us-east-1.api.aws:443"],
    ["us-east-1", { AWS_USE_DUALSTACK_ENDPOINT: "true" }, undefined, "ecr.us-east-1.api.aws:443"],
    ["us-east-1", { AWS_USE_DUALSTACK_ENDPOINT: "true" }, false, "api.ecr.us-east-1.amazonaws.com:443"],
    ["us-east-1", { AWS_USE_FIPS_ENDPOINT: "true" }, undefined, "api.ecr-fips.us-east-1.amazonaws.com:443"],
    ["us-east-1", { AWS_USE_FIPS_ENDPOINT: "TRUE" }, true, "ecr-fips.us-east-1.api.aws:443"],
    [
      "us-gov-west-1",
      { AWS_USE_FIPS_ENDPOINT: "true" },
      undefined,
      "api.ecr-fips.us-gov-west-1.amazonaws.com:443",
    ],
    ["cn-north-1", {}, undefined, "api.ecr.cn-north-1.amazonaws.com.cn:443"],
    ["cn-north-1", {}, true, "ecr.cn-north-1.api.amazonwebservices.com.cn:443"],
    ["eusc-de-east-1", {}, undefined, "api.ecr.eusc-de-east-1.amazonaws.eu:443"],
    ["us-iso-east-1", {}, undefined, "api.ecr.us-iso-east-1.c2s.ic.gov:443"],
    ["us-isob-east-1", {}, undefined, "api.ecr.us-isob-east-1.sc2s.sgov.gov:443"],
    ["eu-isoe-west-1", {}, undefined, "api.ecr.eu-isoe-west-1.cloud.adc-e.uk:443"],
    ["us-isof-south-1", {}, undefined, "api.ecr.us-isof-south-1.csp.hci.ic.gov:443"],
  ] as const)("%s with %j and dualStack %s calls %s", async (region, env, dualStack, expected) => {
    expect(await hostFor(region, env, dualStack)).toBe(expected);
  });
});

// STS too (AssumeRoleWithWebIdentity, AssumeRole): the SDK's STS client, through the same recording proxy.
describe("the STS endpoint follows dual-stack and FIPS", () => {
  const targets: string[] = [];
  const proxy = createServer();
  proxy.on("connect", (req, socket) => {
    targets.push(req.url ?? "");
    socket.destroy();
  });
  let proxyUrl = "";
  beforeAll(async () => {
    proxyUrl = await listen(proxy);
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  it.each([
    [{}, undefined, "sts.us-east-1.amazonaws.com:443"],
    [{}, true, "sts.us-east-1.api.aws:443"],
    [{ AWS_USE_DUALSTACK_ENDPOINT: "true" }, undefined, "sts.us-east-1.api.aws:443"],
    [{ AWS_USE_FIPS_ENDPOINT: "true" }, undefined, "sts-fips.us-east-1.amazonaws.com:443"],
  ] as const)("%j with dualStack %s calls %s", async (env, dualStack, expected) => {
    targets.length = 0;
    await expect(
      resolveCredentials(
        { roleArn: "arn:aws:iam::123456789012:role/push", webIdentityToken: "token" },
        {
          region: "us-east-1",
          env: { AWS_MAX_ATTEMPTS: "1", HTTPS_PROXY: proxyUrl, ...env },
          secrets: new FakeMasker(),
          dualStack,
        },
      ),
    ).rejects.toThrow();
    expect(targets[0]).toBe(expected);
  });
});

// A stand-in ECR API answering GetAuthorizationToken with real ECR's IPv4 proxyEndpoint (also when
// it is reached as the dual-stack API): the registry host of the push is that registry's asked form.
describe("the registry host follows dual-stack and FIPS", () => {
  let proxyEndpoint = "";
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(
        JSON.stringify({
          authorizationData: [
            {
              authorizationToken: Buffer.from("AWS:registry-password").toString("base64"),
              proxyEndpoint,
              expiresAt: 4102444800,
            },
          ],
        }),
      );
    });
  });
  let endpoint = "";
  beforeAll(async () => {
    endpoint = await listen(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function registryFor(
    announced: string,
    env: Record<string, string>,
    dualStack?: boolean,
    logger = new FakeLogger(),
  ) {
    proxyEndpoint = announced;
    // A configured endpoint URL is used as it is, whatever the variant (the SDK refuses both together).
    const ecr = api("us-east-1", { AWS_ENDPOINT_URL_ECR: endpoint, ...env }, dualStack, logger);
    try {
      return (await ecr.getAuthorization()).registry;
    } finally {
      ecr.destroy();
    }
  }

  const ipv4 = "https://123456789012.dkr.ecr.us-east-1.amazonaws.com";
  it.each([
    [ipv4, {}, undefined, "123456789012.dkr.ecr.us-east-1.amazonaws.com"],
    [ipv4, {}, true, "123456789012.dkr-ecr.us-east-1.on.aws"],
    [ipv4, { AWS_USE_DUALSTACK_ENDPOINT: "true" }, undefined, "123456789012.dkr-ecr.us-east-1.on.aws"],
    [ipv4, { AWS_USE_DUALSTACK_ENDPOINT: "true" }, false, "123456789012.dkr.ecr.us-east-1.amazonaws.com"],
    [ipv4, { AWS_USE_FIPS_ENDPOINT: "true" }, undefined, "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com"],
    [ipv4, { AWS_USE_FIPS_ENDPOINT: "true" }, true, "123456789012.dkr-ecr-fips.us-east-1.on.aws"],
    ["https://123456789012.dkr-ecr.us-east-1.on.aws", {}, true, "123456789012.dkr-ecr.us-east-1.on.aws"],
    ["http://127.0.0.1:5000", {}, true, "127.0.0.1:5000"],
  ] as const)(
    "proxyEndpoint %s with %j and dualStack %s: %s",
    async (announced, env, dualStack, expected) => {
      expect(await registryFor(announced, env, dualStack)).toBe(expected);
    },
  );

  it("warns, once, and keeps the IPv4 host where the partition has no dual-stack registry", async () => {
    const logger = new FakeLogger();
    const registry = await registryFor(
      "https://123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov",
      {},
      true,
      logger,
    );
    expect(registry).toBe("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov");
    expect(logger.lines.filter((l) => l.startsWith("warn"))).toEqual([
      "warn: ECR documents no dual-stack registry endpoint in the aws-iso partition (us-iso-east-1), so the push uses 123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov.",
    ]);
  });
});
