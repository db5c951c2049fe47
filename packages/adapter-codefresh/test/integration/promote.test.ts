import { EcrFixture, registryCredentialsOf, TEST_KEYS } from "@ecr-push/e2e";
import { type LocalEcr, startLocalEcr } from "@ecr-push/ecr-local";
import { buildTestImage, dockerForTests, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cfVolume, expectClean, exportedDigest, runStep } from "./harness.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)("the Codefresh step's SOURCE: promote without pulling (two local ECRs)", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  let source: LocalEcr;
  let sourcePassword: string;
  let volume: ReturnType<typeof cfVolume>;

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    source = await startLocalEcr({ ...TEST_KEYS, accountId: "210987654321", region: "us-west-2" });
    sourcePassword = (await registryCredentialsOf(source)).password;
  });
  afterAll(async () => {
    await e2e?.close();
    await source?.close();
  });
  beforeEach(() => {
    volume = cfVolume();
  });
  afterEach(() => volume.close());

  it("copies a docker:// SOURCE with its credentials, exports ECR_SOURCE_DIGEST, and prints no password", async () => {
    await buildTestImage(host, "cf/promote:1", { layers: 2 });
    // The image gets into the source registry with the step itself, pointed at that endpoint.
    const pushed = await runStep(e2e, {
      IMAGE: "cf/promote:1",
      REPOSITORY: "cf/src",
      TAGS: "1",
      CREATE_REPOSITORY: "true",
      AWS_ENDPOINT_URL_ECR: source.endpoint,
      AWS_ENDPOINT_URL_STS: source.endpoint,
      AWS_REGION: source.region,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const before = e2e.local.stats.blobBytesReceived;
    const run = await runStep(e2e, {
      SOURCE: `docker://${source.registry}/cf/src:1`,
      SOURCE_USERNAME: "AWS",
      SOURCE_PASSWORD: sourcePassword,
      REPOSITORY: "cf/promoted",
      TAGS: "v1",
      CREATE_REPOSITORY: "true",
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code, run.stderr).toBe(0);
    const exported = volume.exported();
    const digest = exportedDigest(exported);
    const seenSource = await skopeoInspect(`${source.registry}/cf/src:1`, {
      username: "AWS",
      password: sourcePassword,
    });
    expect(digest).toBe(seenSource.Digest);
    expect(exported).toContain(`ECR_SOURCE_DIGEST=${seenSource.Digest}\n`);
    const seenTarget = await skopeoInspect(
      `${e2e.local.registry}/cf/promoted:v1`,
      await e2e.registryCredentials(),
    );
    expect(seenTarget.Digest).toBe(seenSource.Digest);
    expect(e2e.local.stats.blobBytesReceived - before).toBeGreaterThan(0);
    expectClean(run, exported, sourcePassword);
  });
});
