import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import {
  buildTestImage,
  dockerForTests,
  opensslCliMissing,
  realPartAvailable,
  startNamedRegistryProxy,
  writeMultiPlatformOciLayout,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTS, type Host, type Scenario } from "./hosts.js";

const dockerHost = dockerForTests();
const hasOpenssl = realPartAvailable("The openssl CLI", opensslCliMissing());

/**
 * The sentence `host` must print, given the CLI's: the same words, with the inputs spelled as that
 * host spells them (the CLI's spellings appear nowhere else in a sentence, so they are safe to swap).
 */
function sentenceFor(host: Host, cliSentence: string, source: "source" | "promote" = "source"): string {
  const cli = HOSTS[0] as Host;
  return cliSentence
    .replaceAll(cli.names.createRepository, host.names.createRepository)
    .replaceAll(cli.names.repository, host.names.repository)
    .replaceAll(cli.names[source], host.names[source]);
}

describe.runIf(dockerHost)("one scenario table through all five shipped entries", () => {
  const host = dockerHost as string;
  let fixture: EcrFixture;
  beforeAll(async () => {
    fixture = await EcrFixture.start(host);
    await buildTestImage(host, "parity/app:1", { layers: 2 });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("pushes the same image under several tags to the same URI and digest on every host", async () => {
    await fixture.createRepository("parity/web");
    const scenario: Scenario = { image: "parity/app:1", repository: "parity/web", tags: ["1.0.0", "stable"] };
    const results = [];
    for (const h of HOSTS) results.push({ host: h.name, ...(await h.run(fixture, scenario)) });
    for (const r of results) expect(r.code, `${r.host}: ${r.log}`).toBe(0);
    const expected = `${fixture.local.registry}/parity/web:1.0.0`;
    expect(results.map((r) => [r.host, r.imageUri])).toEqual(HOSTS.map((h) => [h.name, expected]));
    const digests = new Set(results.map((r) => r.digest));
    expect(digests.size).toBe(1);
    expect([...digests][0]).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it.each(["docker", "registry"])(
    "pushes with engine %s on every host, to the same URI and digest",
    async (engine) => {
      const repository = `parity/engine-${engine}`;
      await fixture.createRepository(repository);
      const scenario: Scenario = { image: "parity/app:1", repository, tags: ["1.0.0"], engine };
      const results = [];
      for (const h of HOSTS) results.push({ host: h.name, ...(await h.run(fixture, scenario)) });
      for (const r of results) expect(r.code, `${r.host}: ${r.log}`).toBe(0);
      const expected = `${fixture.local.registry}/${repository}:1.0.0`;
      expect(results.map((r) => [r.host, r.imageUri])).toEqual(HOSTS.map((h) => [h.name, expected]));
      const digests = new Set(results.map((r) => r.digest));
      expect(digests.size).toBe(1);
      expect([...digests][0]).toMatch(/^sha256:[a-f0-9]{64}$/);
    },
  );

  it.runIf(hasOpenssl)(
    "pushes through ECR's dual-stack registry host on every host, which the image URIs name",
    async () => {
      const { accountId, region } = fixture.local;
      // ECR's proxyEndpoint names the IPv4 host; the dual-stack one is reached here through a proxy
      // that ends TLS for that name (HTTPS_PROXY, AWS_CA_BUNDLE) and relays to ecr-local.
      const dualStackHost = `${accountId}.dkr-ecr.${region}.on.aws`;
      const proxy = await startNamedRegistryProxy(fixture.local.endpoint, [dualStackHost]);
      fixture.local.announceRegistryHost(`${accountId}.dkr.ecr.${region}.amazonaws.com`);
      try {
        // A repository per host, so each one sends its image (a tag already naming it is left as it is).
        const slug = (h: Host) => `parity/dual-stack-${h.name.toLowerCase().replace(/[^a-z]+/g, "-")}`;
        const env = { HTTPS_PROXY: proxy.proxyUrl, AWS_CA_BUNDLE: proxy.caFile };
        const results = [];
        for (const h of HOSTS) {
          const scenario: Scenario = {
            image: "parity/app:1",
            repository: slug(h),
            tags: ["1.0.0"],
            createRepository: true,
            engine: "registry",
            dualStack: true,
          };
          results.push({ host: h.name, ...(await h.run(fixture, scenario, env)) });
        }
        for (const r of results) expect(r.code, `${r.host}: ${r.log}`).toBe(0);
        expect(results.map((r) => [r.host, r.imageUri])).toEqual(
          HOSTS.map((h) => [h.name, `${dualStackHost}/${slug(h)}:1.0.0`]),
        );
        expect(new Set(results.map((r) => r.digest)).size).toBe(1);
        for (const h of HOSTS) {
          expect(fixture.local.repository(slug(h))?.imageTags["1.0.0"], h.name).toBe(results[0]?.digest);
        }
        // Every host's registry traffic went to the dual-stack host, and only there.
        expect(proxy.connects.length).toBeGreaterThanOrEqual(HOSTS.length);
        expect(new Set(proxy.connects)).toEqual(new Set([`${dualStackHost}:443`]));
      } finally {
        fixture.local.announceRegistryHost(undefined);
        await proxy.close();
      }
    },
  );

  it("creates a missing repository on every host when asked", async () => {
    for (const h of HOSTS) {
      const repository = `parity/new-${h.name.toLowerCase().replace(/[^a-z]+/g, "-")}`;
      const result = await h.run(fixture, {
        image: "parity/app:1",
        repository,
        tags: ["1"],
        createRepository: true,
      });
      expect(result.code, `${h.name}: ${result.log}`).toBe(0);
      expect(result.imageUri).toBe(`${fixture.local.registry}/${repository}:1`);
      expect(fixture.local.repository(repository), h.name).toBeDefined();
    }
  });

  it("creates a repository with exclusion filters and both policies on every host, and honours the filters", async () => {
    await buildTestImage(host, "parity/app:2", { layers: 1 });
    const folder = mkdtempSync(path.join(tmpdir(), "parity-policies-"));
    const lifecycle = {
      rules: [
        {
          rulePriority: 1,
          description: "expire untagged images after a week",
          selection: {
            tagStatus: "untagged",
            countType: "sinceImagePushed",
            countUnit: "days",
            countNumber: 7,
          },
          action: { type: "expire" },
        },
      ],
    };
    const lifecycleFile = path.join(folder, "lifecycle.json");
    writeFileSync(lifecycleFile, `${JSON.stringify(lifecycle, null, 2)}\n`);
    // Inline JSON on every host (a value starting with {), the lifecycle policy from a file.
    const repositoryPolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "pull", Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage"] }],
    });
    const created = {
      imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
      exclusionFilters: ["latest", "dev-*"],
      lifecyclePolicy: lifecycleFile,
      repositoryPolicy,
    };
    try {
      for (const h of HOSTS) {
        const repository = `parity/settings-${h.name.toLowerCase().replace(/[^a-z]+/g, "-")}`;
        const push = (image: string, tags: string[]) =>
          h.run(fixture, { image, repository, tags, createRepository: true, created });
        const first = await push("parity/app:1", ["latest", "v1"]);
        expect(first.code, `${h.name}: ${first.log}`).toBe(0);
        expect(fixture.local.repository(repository), h.name).toMatchObject({
          imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
          imageTagMutabilityExclusionFilters: [
            { filterType: "WILDCARD", filter: "latest" },
            { filterType: "WILDCARD", filter: "dev-*" },
          ],
          lifecyclePolicyText: JSON.stringify(lifecycle, null, 2),
          repositoryPolicyText: repositoryPolicy,
        });
        // The same push again: nothing moves, so it succeeds, and no policy is set a second time.
        const again = await push("parity/app:1", ["latest", "v1"]);
        expect(again.code, `${h.name}: ${again.log}`).toBe(0);
        expect(again.digest).toBe(first.digest);
        // latest matches a filter, so it moves; v1 matches none, so it does not.
        const moved = await push("parity/app:2", ["latest"]);
        expect(moved.code, `${h.name}: ${moved.log}`).toBe(0);
        expect(moved.digest).not.toBe(first.digest);
        const refused = await push("parity/app:2", ["v1"]);
        expect(refused.code, h.name).not.toBe(0);
        expect(refused.error, h.name).toBe(
          `The tag v1 already exists in ${repository} on another image (${first.digest}) and the repository's tags are immutable except those matching latest, dev-* (IMMUTABLE_WITH_EXCLUSION), and v1 matches none, so nothing was pushed: choose a new tag or make the repository's tags mutable.`,
        );
        expect(fixture.local.repository(repository)?.imageTags.v1, h.name).toBe(first.digest);
      }
      const policyCalls = fixture.local.calls.filter((c) =>
        /^(PutLifecyclePolicy|SetRepositoryPolicy)$/.test(c.operation),
      );
      expect(policyCalls).toHaveLength(2 * HOSTS.length);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("promotes the same docker:// image to the same URI and digest on every host, with sourceDigest", async () => {
    await fixture.createRepository("parity/src");
    const seeded = await (HOSTS[0] as Host).run(fixture, {
      image: "parity/app:1",
      repository: "parity/src",
      tags: ["1"],
    });
    expect(seeded.code, seeded.log).toBe(0);
    // The source's credentials as `docker login` would have stored them.
    const { username, password } = await fixture.registryCredentials();
    const config = mkdtempSync(path.join(tmpdir(), "ecr-push-parity-docker-"));
    writeFileSync(
      path.join(config, "config.json"),
      JSON.stringify({
        auths: {
          [fixture.local.registry]: { auth: Buffer.from(`${username}:${password}`).toString("base64") },
        },
      }),
    );
    const env = { DOCKER_CONFIG: config };
    try {
      const source = `docker://${fixture.local.registry}/parity/src:1`;
      for (const h of HOSTS) {
        const repository = `parity/promoted-${h.name.toLowerCase().replace(/[^a-z]+/g, "-")}`;
        const result = await h.run(
          fixture,
          { image: "", promote: source, repository, tags: ["1"], createRepository: true },
          env,
        );
        expect(result.code, `${h.name}: ${result.log}`).toBe(0);
        expect([h.name, result.imageUri, result.digest, result.sourceDigest]).toEqual([
          h.name,
          `${fixture.local.registry}/${repository}:1`,
          seeded.digest,
          seeded.digest,
        ]);
      }

      // Without tags a promote keeps the source's tag, except in the Azure task, whose pushTag
      // defaults to latest as the AWS Toolkit's does.
      for (const h of HOSTS) {
        const repository = `parity/kept-${h.name.toLowerCase().replace(/[^a-z]+/g, "-")}`;
        const result = await h.run(
          fixture,
          { image: "", promote: source, repository, tags: [], createRepository: true },
          env,
        );
        expect(result.code, `${h.name}: ${result.log}`).toBe(0);
        const tag = h.name === "Azure Pipelines task" ? "latest" : "1";
        expect([h.name, result.imageUri]).toEqual([h.name, `${fixture.local.registry}/${repository}:${tag}`]);
      }

      const missing = { image: "", promote: `${source}-absent`, repository: "parity/web", tags: ["1"] };
      const failed = [];
      for (const h of HOSTS) failed.push({ host: h, ...(await h.run(fixture, missing, env)) });
      for (const r of failed) expect(r.error, `${r.host.name}: ${r.log}`).toBeTruthy();
      const cliSentence = failed[0]?.error ?? "";
      expect(failed.map((r) => [r.host.name, r.error])).toEqual(
        failed.map((r) => [r.host.name, sentenceFor(r.host, cliSentence, "promote")]),
      );
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });

  it("pushes to ECR Public on every host: the repository created with its catalog data, the same URI and digest", async () => {
    const alias = fixture.local.publicRegistryAlias;
    const catalog = {
      description: "Parity web",
      architectures: ["x86-64", "ARM 64"],
      operatingSystems: ["Linux"],
    };
    const results = [];
    for (const h of HOSTS) {
      const name = `parity/public-${h.name.toLowerCase().replace(/[^a-z]+/g, "-")}`;
      const scenario: Scenario = {
        image: "parity/app:1",
        repository: `public.ecr.aws/${alias}/${name}`,
        tags: ["1.0.0"],
        createRepository: true,
        catalog,
      };
      const result = await h.run(fixture, scenario);
      expect(result.code, `${h.name}: ${result.log}`).toBe(0);
      expect(result.imageUri, h.name).toBe(`${fixture.local.publicRegistry}/${alias}/${name}:1.0.0`);
      expect(fixture.local.publicRepository(name)?.catalogData, h.name).toEqual({
        description: "Parity web",
        architectures: ["x86-64", "ARM 64"],
        operatingSystems: ["Linux"],
      });
      results.push(result);
    }
    expect(new Set(results.map((r) => r.digest)).size).toBe(1);

    // An alias that is not the registry's: the same sentence on every host, naming its repository input.
    const wrong: Scenario = {
      image: "parity/app:1",
      repository: "public.ecr.aws/not-ours/parity/web",
      tags: ["1"],
    };
    const failed = [];
    for (const h of HOSTS) failed.push({ host: h, ...(await h.run(fixture, wrong)) });
    for (const r of failed) expect(r.error, `${r.host.name}: ${r.log}`).toMatch(/has the alias/);
    const cliSentence = failed[0]?.error ?? "";
    expect(failed.map((r) => [r.host.name, r.error])).toEqual(
      failed.map((r) => [r.host.name, sentenceFor(r.host, cliSentence)]),
    );
  });

  it("refuses to promote an archived ECR image with the same sentence on every host, and promotes it once restored", async () => {
    await fixture.createRepository("parity/archived");
    const seeded = await (HOSTS[0] as Host).run(fixture, {
      image: "parity/app:1",
      repository: "parity/archived",
      tags: ["1"],
    });
    expect(seeded.code, seeded.log).toBe(0);
    await fixture.setStorageClass("parity/archived", seeded.digest as string, "ARCHIVE");
    // An ECR source in the fixture's own account and region: AWS_ENDPOINT_URL_ECR reaches ecr-local.
    const source = `${fixture.local.accountId}.dkr.ecr.${fixture.local.region}.amazonaws.com/parity/archived:1`;
    const scenario = (h: Host): Scenario => ({
      image: "",
      promote: source,
      repository: `parity/from-archive-${h.name.toLowerCase().replace(/[^a-z]+/g, "-")}`,
      tags: ["1"],
      createRepository: true,
    });
    const refused = [];
    for (const h of HOSTS) refused.push({ host: h.name, ...(await h.run(fixture, scenario(h))) });
    const sentence = `The image parity/archived@${seeded.digest} is archived in ECR and cannot be read until it is restored: run aws ecr update-image-storage-class --repository-name parity/archived --image-id imageDigest=${seeded.digest} --registry-id ${fixture.local.accountId} --region ${fixture.local.region} --target-storage-class STANDARD, then run this again once aws ecr describe-images shows it ACTIVE (a restore takes a while).`;
    expect(refused.map((r) => [r.host, r.error])).toEqual(HOSTS.map((h) => [h.name, sentence]));
    for (const h of HOSTS)
      expect(fixture.local.repository(scenario(h).repository)?.imageDigests ?? []).toEqual([]);

    await fixture.setStorageClass("parity/archived", seeded.digest as string, "STANDARD");
    for (const h of HOSTS) {
      const result = await h.run(fixture, scenario(h));
      expect(result.code, `${h.name}: ${result.log}`).toBe(0);
      expect(result.digest).toBe(seeded.digest);
    }
  });

  it("selects one platform of an OCI index, or drops its attestations, to the same digest on every host", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-parity-oci-"));
    try {
      const layout = writeMultiPlatformOciLayout(path.join(dir, "multi"));
      const amd64 = layout.images[0]?.digest;
      const whole = JSON.parse(layout.index.toString()) as { manifests: unknown[] };
      const withoutAttestations = createHash("sha256")
        .update(JSON.stringify({ ...whole, manifests: whole.manifests.slice(0, 2) }))
        .digest("hex");
      for (const [scenario, digest, said] of [
        [
          { platform: "linux/amd64" },
          amd64,
          `Only the linux/amd64 image of the index was pushed, so the digest is that image manifest's (${amd64}), not the index's (${layout.indexDigest}).`,
        ],
        [
          { dropAttestations: true },
          `sha256:${withoutAttestations}`,
          `so the index was rewritten and the digest changed from ${layout.indexDigest} to sha256:${withoutAttestations}.`,
        ],
      ] as const) {
        const repository = scenario.dropAttestations ? "parity/clean" : "parity/lambda";
        const results = [];
        for (const h of HOSTS) {
          const run = await h.run(fixture, {
            image: `oci:${layout.dir}`,
            repository,
            tags: ["1"],
            createRepository: true,
            ...scenario,
          });
          results.push({ host: h.name, ...run });
        }
        for (const r of results) {
          expect(r.code, `${r.host}: ${r.log}`).toBe(0);
          expect(r.log, r.host).toContain(said);
        }
        expect(results.map((r) => [r.host, r.digest])).toEqual(HOSTS.map((h) => [h.name, digest]));
      }
      // One platform pushes that image alone; without attestations, both images and the new index.
      expect(fixture.local.repository("parity/lambda")?.imageDigests).toEqual([amd64]);
      expect(fixture.local.repository("parity/clean")?.imageDigests).toHaveLength(3);

      const absent = [];
      for (const h of HOSTS) {
        absent.push({
          host: h,
          ...(await h.run(fixture, {
            image: `oci:${layout.dir}`,
            repository: "parity/lambda",
            tags: ["2"],
            platform: "linux/s390x",
          })),
        });
      }
      for (const r of absent) expect(r.error, `${r.host.name}: ${r.log}`).toBeTruthy();
      const cliSentence = absent[0]?.error ?? "";
      expect(cliSentence).toContain("has no such platform (it has linux/amd64, linux/arm64/v8)");
      expect(absent.map((r) => [r.host.name, r.error])).toEqual(
        absent.map((r) => [r.host.name, cliSentence.replace("--platform", r.host.names.platform)]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["an invalid repository name", { image: "parity/app:1", repository: "Bad_Repo", tags: ["1"] }],
    [
      "a missing repository without creation",
      { image: "parity/app:1", repository: "parity/absent", tags: ["1"] },
    ],
    ["a missing source image", { image: "parity/never-built:1", repository: "parity/web", tags: ["1"] }],
  ] satisfies [string, Scenario][])(
    "fails with the same sentence on every host for %s",
    async (_, scenario) => {
      const results = [];
      for (const h of HOSTS) results.push({ host: h, ...(await h.run(fixture, scenario)) });
      for (const r of results) {
        expect(r.code, `${r.host.name}: ${r.log}`).not.toBe(0);
        expect(r.error, `${r.host.name}: ${r.log}`).toBeTruthy();
      }
      const cliSentence = results[0]?.error ?? "";
      expect(results.map((r) => [r.host.name, r.error])).toEqual(
        results.map((r) => [r.host.name, sentenceFor(r.host, cliSentence)]),
      );
    },
  );
});
