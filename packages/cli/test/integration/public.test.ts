import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture, errorLines } from "@ecr-push/e2e";
import { buildTestImage, dockerForTests, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)("ecr-push push to ECR Public (real Docker, real SDK, local ECR Public)", () => {
  const host = dockerHost as string;
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-public-"));
  const logo = path.join(dir, "logo.png");
  let e2e: EcrFixture;

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    writeFileSync(logo, Buffer.alloc(2048, 7));
    await buildTestImage(host, "e2e/public:1");
  });
  afterAll(async () => {
    await e2e?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates the registry's first repository with its catalog data, pushes two tags, and skopeo reads them back", async () => {
    const run = await cli(e2e, [
      "push",
      "e2e/public:1",
      "--repository",
      e2e.publicRepositoryInput("team/web"),
      "-t",
      "1.0,latest",
      "--create-repository",
      "--public-description",
      "A small web server",
      "--public-about-text",
      "# About\nIt serves.",
      "--public-usage-text",
      "docker run it",
      "--public-architecture",
      "x86-64",
      "--public-architecture",
      "ARM 64",
      "--public-operating-system",
      "Linux",
      "--public-logo",
      logo,
      "--repository-tag",
      "team=web",
      "--region",
      "eu-west-3",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expectClean(run);
    const doc = JSON.parse(run.stdout);
    const registry = e2e.local.publicRegistry;
    const alias = e2e.local.publicRegistryAlias;
    expect(doc).toMatchObject({
      imageUri: `${registry}/${alias}/team/web:1.0`,
      imageUris: [`${registry}/${alias}/team/web:1.0`, `${registry}/${alias}/team/web:latest`],
      registry,
      repository: "team/web",
      tags: ["1.0", "latest"],
      region: "us-east-1",
      registryId: e2e.local.accountId,
      repositoryCreated: true,
    });
    expect(doc.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    // The region given is not ECR Public's: said once, not refused.
    expect(run.stderr).toContain(
      "ECR Public's API is in us-east-1 only, so the push uses us-east-1 rather than --region eu-west-3.",
    );
    expect(e2e.local.publicRepository("team/web")).toMatchObject({
      catalogData: {
        description: "A small web server",
        aboutText: "# About\nIt serves.",
        usageText: "docker run it",
        architectures: ["x86-64", "ARM 64"],
        operatingSystems: ["Linux"],
        logoBytes: 2048,
      },
      tags: [{ Key: "team", Value: "web" }],
      imageTags: { "1.0": doc.digest, latest: doc.digest },
    });
    // Nothing went to the private registry; the public API was signed as ecr-public.
    expect(e2e.local.repository("team/web")).toBeUndefined();
    expect(
      new Set(e2e.local.calls.filter((c) => c.service === "ecr-public").map((c) => c.operation)),
    ).toEqual(
      new Set(["DescribeRepositories", "DescribeRegistries", "GetAuthorizationToken", "CreateRepository"]),
    );
    const seen = await skopeoInspect(doc.imageUri, await e2e.publicRegistryCredentials());
    expect(seen.Digest).toBe(doc.digest);
    // A public image: anyone reads it, with no credentials at all.
    expect((await skopeoInspect(doc.imageUris[1])).Digest).toBe(doc.digest);
  });

  it("pushes again to the existing repository, warning that catalog data is not applied", async () => {
    const run = await cli(e2e, [
      "push",
      "e2e/public:1",
      "-r",
      e2e.publicRepositoryInput("team/web"),
      "-t",
      "2.0",
      "--public-description",
      "Changed",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n")[0]).toBe(
      `${e2e.local.publicRegistry}/${e2e.local.publicRegistryAlias}/team/web:2.0`,
    );
    expect(run.stderr).toMatch(/Repository "team\/web" already exists, so the description was not applied/);
    expect(e2e.local.publicRepository("team/web")?.catalogData.description).toBe("A small web server");
  });

  it("says in one line that the alias is not the registry's, or that the repository is missing", async () => {
    const wrongAlias = await cli(e2e, ["push", "e2e/public:1", "-r", "public.ecr.aws/someone-else/team/web"]);
    expect(wrongAlias.code).toBe(2);
    expect(errorLines(wrongAlias.stderr, "error: ")).toEqual([
      expect.stringContaining(
        `this account's ECR Public registry has the alias "${e2e.local.publicRegistryAlias}", so set --repository to public.ecr.aws/${e2e.local.publicRegistryAlias}/team/web.`,
      ),
    ]);
    const missing = await cli(e2e, ["push", "e2e/public:1", "-r", e2e.publicRepositoryInput("team/missing")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /Repository "team\/missing" does not exist in the ECR Public registry \S+: create it, or set --create-repository/,
    );
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const bigLogo = path.join(dir, "big.png");
    writeFileSync(bigLogo, Buffer.alloc(384_001));
    const tooBig = await cli(e2e, [
      "push",
      "e2e/public:1",
      "-r",
      e2e.publicRepositoryInput("team/logo"),
      "--create-repository",
      "--public-logo",
      bigLogo,
    ]);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(
      /Invalid --public-logo ".*big\.png": the logo is 384001 bytes and ECR Public takes 1 to 384000/,
    );
    expect(e2e.local.publicRepository("team/logo")).toBeUndefined();
  });

  it("pushes with docker push too (docker login trades the token for a Bearer token)", async () => {
    await e2e.createPublicRepository("team/docker");
    const run = await cli(e2e, [
      "push",
      "e2e/public:1",
      "-r",
      e2e.publicRepositoryInput("team/docker"),
      "--engine",
      "docker",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.imageUri).toBe(
      `${e2e.local.publicRegistry}/${e2e.local.publicRegistryAlias}/team/docker:latest`,
    );
    expect(e2e.local.publicRepository("team/docker")?.imageTags).toEqual({ latest: doc.digest });
  });
});
