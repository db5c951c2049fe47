import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import {
  buildTestImage,
  dockerEnv,
  dockerForTests,
  type NamedRegistryProxy,
  opensslCliMissing,
  realPartAvailable,
  runOk,
  startNamedRegistryProxy,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();
const hasOpenssl = realPartAvailable("The openssl CLI", opensslCliMissing());
const NO_DOCKER = { PATH: "/nonexistent", DOCKER_HOST: "unix:///nonexistent/docker.sock" };
const ACCOUNT = "123456789012";

/**
 * One region of one partition: ecr-local there announcing ECR's own IPv4 registry host (as real
 * ECR's proxyEndpoint does), and a proxy that ends TLS for every form of that registry's host.
 */
interface Region {
  fixture: EcrFixture;
  proxy: NamedRegistryProxy;
}

// Each case: the region, what the push is given, and the registry host the URIs must name. The
// hosts are those of the AWS General Reference's ECR endpoints (and the China and ISO forms
// amazon-ecr-credential-helper recognises).
const CASES: [string, string, string[], Record<string, string>, string][] = [
  [
    "FIPS",
    "us-east-1",
    [],
    { AWS_USE_FIPS_ENDPOINT: "true" },
    `${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`,
  ],
  [
    "dual-stack FIPS",
    "us-east-1",
    ["--dual-stack"],
    { AWS_USE_FIPS_ENDPOINT: "true" },
    `${ACCOUNT}.dkr-ecr-fips.us-east-1.on.aws`,
  ],
  [
    "dual-stack from AWS_USE_DUALSTACK_ENDPOINT",
    "us-east-1",
    [],
    { AWS_USE_DUALSTACK_ENDPOINT: "true" },
    `${ACCOUNT}.dkr-ecr.us-east-1.on.aws`,
  ],
  ["China", "cn-north-1", [], {}, `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`],
  [
    "China dual-stack",
    "cn-north-1",
    ["--dual-stack"],
    {},
    `${ACCOUNT}.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn`,
  ],
  [
    "GovCloud dual-stack FIPS",
    "us-gov-west-1",
    ["--dual-stack"],
    { AWS_USE_FIPS_ENDPOINT: "true" },
    `${ACCOUNT}.dkr-ecr-fips.us-gov-west-1.on.aws`,
  ],
  ["European Sovereign Cloud", "eusc-de-east-1", [], {}, `${ACCOUNT}.dkr.ecr.eusc-de-east-1.amazonaws.eu`],
  ["ISO-B", "us-isob-east-1", [], {}, `${ACCOUNT}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov`],
  // No dual-stack registry is documented there: the IPv4 host, and a warning saying so.
  ["ISO dual-stack", "us-iso-east-1", ["--dual-stack"], {}, `${ACCOUNT}.dkr.ecr.us-iso-east-1.c2s.ic.gov`],
];

const IPV4_HOST: Record<string, string> = {
  "us-east-1": `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`,
  "cn-north-1": `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`,
  "us-gov-west-1": `${ACCOUNT}.dkr.ecr.us-gov-west-1.amazonaws.com`,
  "eusc-de-east-1": `${ACCOUNT}.dkr.ecr.eusc-de-east-1.amazonaws.eu`,
  "us-isob-east-1": `${ACCOUNT}.dkr.ecr.us-isob-east-1.sc2s.sgov.gov`,
  "us-iso-east-1": `${ACCOUNT}.dkr.ecr.us-iso-east-1.c2s.ic.gov`,
};

describe.runIf(dockerHost && hasOpenssl)(
  "registry hosts of every partition, dual-stack and FIPS (CLI, daemonless, ecr-local as ECR)",
  () => {
    const host = dockerHost as string;
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-endpoints-"));
    const archive = path.join(dir, "app.tar");
    const regions = new Map<string, Region>();

    beforeAll(async () => {
      await buildTestImage(host, "endpoints/app:1", { layers: 1 });
      await runOk("docker", ["save", "-o", archive, "endpoints/app:1"], { env: dockerEnv(host) });
      for (const [region, ipv4] of Object.entries(IPV4_HOST)) {
        const fixture = await EcrFixture.start(host, { region, accountId: ACCOUNT, registryHost: ipv4 });
        const names = CASES.filter((c) => c[1] === region).map((c) => c[4]);
        const proxy = await startNamedRegistryProxy(fixture.local.endpoint, [...new Set([ipv4, ...names])]);
        regions.set(region, { fixture, proxy });
      }
    });
    afterAll(async () => {
      for (const { fixture, proxy } of regions.values()) {
        await proxy.close();
        await fixture.close();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it.each(CASES)("%s: %s %j %j pushes to %s", async (name, region, args, env, expected) => {
      const { fixture, proxy } = regions.get(region) as Region;
      const repository = `endpoints/${name.toLowerCase().replace(/[^a-z]+/g, "-")}`;
      const before = proxy.connects.length;
      const run = await cli(
        fixture,
        ["push", `docker-archive:${archive}`, "-r", repository, "--create-repository", "--json", ...args],
        { ...NO_DOCKER, HTTPS_PROXY: proxy.proxyUrl, AWS_CA_BUNDLE: proxy.caFile, ...env },
      );
      expect(run.code, run.stderr).toBe(0);
      const doc = JSON.parse(run.stdout);
      expect(doc).toMatchObject({ imageUri: `${expected}/${repository}:latest`, registry: expected, region });
      expect(fixture.local.repository(repository)?.imageTags.latest).toBe(doc.digest);
      // The image went to that host and no other.
      expect(new Set(proxy.connects.slice(before))).toEqual(new Set([`${expected}:443`]));
      const warnings = run.stderr
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("warning: "));
      expect(warnings).toEqual(
        region === "us-iso-east-1"
          ? [
              `warning: ECR documents no dual-stack registry endpoint in the aws-iso partition (us-iso-east-1), so the push uses ${expected}.`,
            ]
          : [],
      );
      expectClean(run);
    });
  },
);
