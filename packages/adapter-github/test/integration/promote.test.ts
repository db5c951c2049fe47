import { EcrFixture, registryCredentialsOf, TEST_KEYS } from "@ecr-push/e2e";
import { type LocalEcr, startLocalEcr } from "@ecr-push/ecr-local";
import { buildTestImage, dockerForTests, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCommands, runAction } from "./harness.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)(
  "the GitHub Action's source input: promote without pulling (two local ECRs)",
  () => {
    const host = dockerHost as string;
    let e2e: EcrFixture;
    let source: LocalEcr;
    let sourcePassword: string;

    beforeAll(async () => {
      e2e = await EcrFixture.start(host);
      source = await startLocalEcr({ ...TEST_KEYS, accountId: "210987654321", region: "us-west-2" });
      sourcePassword = (await registryCredentialsOf(source)).password;
    });
    afterAll(async () => {
      await e2e?.close();
      await source?.close();
    });

    it("copies a docker:// image with explicit source credentials: same digest, source-digest output, masked password", async () => {
      await buildTestImage(host, "gh-e2e/promote:1", { layers: 2 });
      // The image gets into the source registry with the action itself, pointed at that endpoint.
      const pushed = await runAction(
        e2e,
        { image: "gh-e2e/promote:1", repository: "gh/src", tags: "1", "create-repository": "true" },
        {
          AWS_ENDPOINT_URL_ECR: source.endpoint,
          AWS_ENDPOINT_URL_STS: source.endpoint,
          AWS_REGION: source.region,
        },
      );
      expect(errorCommands(pushed.stdout)).toEqual([]);
      const before = e2e.local.stats.blobBytesReceived;
      const run = await runAction(e2e, {
        source: `docker://${source.registry}/gh/src:1`,
        "source-username": "AWS",
        "source-password": sourcePassword,
        repository: "gh/promoted",
        tags: "v1,stable",
        "create-repository": "true",
      });
      expect(errorCommands(run.stdout)).toEqual([]);
      const outputs = Object.fromEntries(
        [...run.outputFile.matchAll(/^([\w-]+)<<EOF\n([\s\S]*?)\nEOF$/gm)].map((m) => [m[1], m[2]]),
      );
      const seenSource = await skopeoInspect(`${source.registry}/gh/src:1`, {
        username: "AWS",
        password: sourcePassword,
      });
      expect(outputs).toMatchObject({
        "image-uri": `${e2e.local.registry}/gh/promoted:v1`,
        digest: seenSource.Digest,
        "source-digest": seenSource.Digest,
        "repository-created": "true",
      });
      const seenTarget = await skopeoInspect(
        `${e2e.local.registry}/gh/promoted:stable`,
        await e2e.registryCredentials(),
      );
      expect(seenTarget.Digest).toBe(seenSource.Digest);
      expect(e2e.local.stats.blobBytesReceived - before).toBeGreaterThan(0);
      expect(run.stdout).toContain(`::add-mask::${sourcePassword}`);
      const leaks = run.stdout
        .split("\n")
        .filter((l) => l.includes(sourcePassword) && !l.startsWith("::add-mask::"));
      expect(leaks).toEqual([]);
    });

    it("refuses image and source together in one sentence", async () => {
      const run = await runAction(e2e, {
        image: "gh-e2e/promote:1",
        source: `docker://${source.registry}/gh/src:1`,
        repository: "gh/promoted",
      });
      expect(errorCommands(run.stdout)).toEqual([
        expect.stringContaining(
          "set either image (a local image to push) or source (an image in a registry to promote), not both.",
        ),
      ]);
    });
  },
);
