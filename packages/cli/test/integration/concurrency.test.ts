import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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

  it("parallel pushes creating one repository with policies: the creator sets them, once, and every push succeeds", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "race-policies-"));
    const lifecycle = path.join(folder, "lifecycle.json");
    writeFileSync(
      lifecycle,
      JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 100 },
            action: { type: "expire" },
          },
        ],
      }),
    );
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage"] }],
    });
    const image = "e2e/parallel-0:1";
    await buildTestImage(host, image);
    const callsBefore = e2e.local.calls.length;
    try {
      const runs = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          cli(e2e, [
            "push",
            image,
            "-r",
            "team/policies",
            "-t",
            `dev-${i}`,
            "--create-repository",
            "--image-tag-mutability",
            "IMMUTABLE_WITH_EXCLUSION",
            "--image-tag-mutability-exclusion-filter",
            "dev-*",
            "--lifecycle-policy",
            lifecycle,
            "--repository-policy",
            policy,
            "--json",
          ]),
        ),
      );
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      expect(runs.filter((run) => JSON.parse(run.stdout).repositoryCreated)).toHaveLength(1);
      const calls = e2e.local.calls.slice(callsBefore);
      const ops = (operation: string) => calls.filter((c) => c.operation === operation);
      // Whoever raced, exactly one CreateRepository succeeded and only its push set the policies.
      expect(ops("CreateRepository").filter((c) => !c.errorCode)).toHaveLength(1);
      expect(
        ops("CreateRepository").filter(
          (c) => c.errorCode && c.errorCode !== "RepositoryAlreadyExistsException",
        ),
      ).toEqual([]);
      expect(ops("PutLifecyclePolicy")).toHaveLength(1);
      expect(ops("SetRepositoryPolicy")).toHaveLength(1);
      expect(e2e.local.repository("team/policies")).toMatchObject({ repositoryPolicyText: policy });
      expect(e2e.local.repository("team/policies")?.lifecyclePolicyText).toContain('"imageCountMoreThan"');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
