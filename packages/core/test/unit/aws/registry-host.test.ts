import { describe, expect, it } from "vitest";
import { chooseRegistryHost, ecrRegistryHost, parseEcrRegistryHost } from "../../../src/aws/registry-host.js";
import { parseEcrHost } from "../../../src/request/index.js";

// The registry hosts ECR documents (AWS General Reference, "Amazon ECR endpoints and quotas";
// ECR User Guide, "Making requests to Amazon ECR registries") and that amazon-ecr-credential-helper
// recognises, one per partition and endpoint form.
const DOCUMENTED = [
  ["123456789012.dkr.ecr.us-east-1.amazonaws.com", "us-east-1", "aws", false, false],
  ["123456789012.dkr.ecr-fips.us-east-2.amazonaws.com", "us-east-2", "aws", true, false],
  ["123456789012.dkr-ecr.us-west-2.on.aws", "us-west-2", "aws", false, true],
  ["123456789012.dkr-ecr-fips.us-east-1.on.aws", "us-east-1", "aws", true, true],
  ["210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws-cn", false, false],
  [
    "210987654321.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn",
    "cn-northwest-1",
    "aws-cn",
    false,
    true,
  ],
  ["210987654321.dkr.ecr.cn-north-1.on.amazonwebservices.com.cn", "cn-north-1", "aws-cn", false, true],
  ["123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", "us-gov-west-1", "aws-us-gov", false, false],
  ["123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1", "aws-us-gov", true, false],
  ["123456789012.dkr-ecr.us-gov-east-1.on.aws", "us-gov-east-1", "aws-us-gov", false, true],
  ["123456789012.dkr-ecr-fips.us-gov-east-1.on.aws", "us-gov-east-1", "aws-us-gov", true, true],
  ["123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1", "aws-eusc", false, false],
  ["210987654321.dkr.ecr.us-iso-east-1.c2s.ic.gov", "us-iso-east-1", "aws-iso", false, false],
  ["123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1", "aws-iso-b", false, false],
  ["123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", "eu-isoe-west-1", "aws-iso-e", false, false],
  ["123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", "us-isof-south-1", "aws-iso-f", false, false],
] as const;

describe("ECR registry hosts of every partition", () => {
  it.each(DOCUMENTED)("reads %s", (host, region, partition, fips, dualStack) => {
    const registryId = host.slice(0, 12);
    expect(parseEcrRegistryHost(host)).toEqual({ registryId, region, partition, fips, dualStack, port: "" });
    expect(parseEcrRegistryHost(host.toUpperCase())?.region).toBe(region);
    // promote's source parser recognises the same hosts
    expect(parseEcrHost(host)).toEqual({ registryId, region });
  });

  it.each([
    "public.ecr.aws",
    "ecr-public.aws.com",
    "registry.example.com",
    "127.0.0.1:5000",
    ".dkr.ecr.us-east-1.amazonaws.com",
    "12345678901.dkr.ecr.us-east-1.amazonaws.com",
    "123456789012.dkr.ecr.us-west-2.amazonaws.com.fake.example.com",
    "123456789012.dkr.ecr.us-west-2.amazonaws.com.cn.example.com",
    "123456789012.dkr-ecr.cn-north-1.on.aws.com.cn",
    "123456789012.dkr-ecr.us-east-1.amazonaws.com",
    "123456789012.dkr.ecr.cn-north-1.amazonaws.com",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com.cn",
    "123456789012.dkr-ecr.eusc-de-east-1.on.aws",
    "123456789012.api.ecr.us-east-1.amazonaws.com",
  ])("is not an ECR registry host: %s", (host) => {
    expect(parseEcrRegistryHost(host)).toBeUndefined();
    expect(parseEcrHost(host)).toBeUndefined();
  });

  it("keeps a port", () => {
    expect(parseEcrRegistryHost("123456789012.dkr.ecr.us-east-1.amazonaws.com:443")?.port).toBe(":443");
  });

  it("writes each form of a registry from any other form", () => {
    for (const [host] of DOCUMENTED) {
      const parsed = parseEcrRegistryHost(host);
      if (!parsed) throw new Error(host);
      for (const variant of [
        { dualStack: parsed.dualStack, fips: parsed.fips },
        { dualStack: false, fips: false },
      ]) {
        const written = ecrRegistryHost(parsed, variant);
        expect(written && parseEcrRegistryHost(written)).toMatchObject({ ...variant, region: parsed.region });
      }
    }
  });
});

describe("the registry host a push uses", () => {
  const none = { dualStack: false, fips: false };
  it("is the proxyEndpoint's host when no variant is asked", () => {
    for (const [host] of DOCUMENTED) expect(chooseRegistryHost(host, none)).toEqual({ host });
  });

  it.each([
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com", true, false, "123456789012.dkr-ecr.us-east-1.on.aws"],
    [
      "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      false,
      true,
      "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
    ],
    [
      "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      true,
      true,
      "123456789012.dkr-ecr-fips.us-east-1.on.aws",
    ],
    [
      "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com",
      true,
      true,
      "123456789012.dkr-ecr-fips.us-gov-west-1.on.aws",
    ],
    [
      "210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn",
      true,
      false,
      "210987654321.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn",
    ],
    // Already in the asked form (or more): used as it is, a variant is never taken away.
    ["123456789012.dkr-ecr.us-east-1.on.aws", true, false, "123456789012.dkr-ecr.us-east-1.on.aws"],
    ["123456789012.dkr-ecr.us-east-1.on.aws", false, false, "123456789012.dkr-ecr.us-east-1.on.aws"],
    ["123456789012.dkr-ecr.us-east-1.on.aws", false, true, "123456789012.dkr-ecr-fips.us-east-1.on.aws"],
    // Not ECR's (a local endpoint): as it is.
    ["127.0.0.1:5000", true, true, "127.0.0.1:5000"],
  ] as const)("%s with dual-stack %s and FIPS %s is %s", (proxyHost, dualStack, fips, expected) => {
    expect(chooseRegistryHost(proxyHost, { dualStack, fips })).toEqual({ host: expected });
  });

  it("says why when a partition has no dual-stack registry host, and keeps the IPv4 one", () => {
    const host = "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov";
    expect(chooseRegistryHost(host, { dualStack: true, fips: false })).toEqual({
      host,
      unavailable: "ECR documents no dual-stack registry endpoint in the aws-iso partition (us-iso-east-1)",
    });
  });
});
