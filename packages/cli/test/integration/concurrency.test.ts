import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { EcrFixture } from "@ecr-push/e2e";
import { buildTestImage, dockerForTests } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)("ecr-push push, many at once", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("ten parallel pushes of different images to one new repository all succeed (the create race is no error)", async () => {
    const images = Array.from({ length: 10 }, (_, i) => `e2e/parallel-${i}:1`);
    for (const image of images) await buildTestImage(host, image);
    const runs = await Promise.all(
      images.map((image, i) =>
        cli(e2e, ["push", image, "-r", "team/parallel", "-t", `v${i}`, "--create-repository", "--json"]),
      ),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expectClean(run);
    }
    // Exactly one run created the repository; the others found it or lost the race harmlessly.
    expect(runs.filter((run) => JSON.parse(run.stdout).repositoryCreated)).toHaveLength(1);
    const described = await e2e.ecr().send(new DescribeImagesCommand({ repositoryName: "team/parallel" }));
    const tags = (described.imageDetails ?? []).flatMap((d) => d.imageTags ?? []).sort();
    expect(tags).toEqual(images.map((_, i) => `v${i}`).sort());
    const digests = runs.map((run) => JSON.parse(run.stdout).digest);
    expect(new Set(digests).size).toBe(10);
  });
});
