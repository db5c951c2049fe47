import { EcrFixture, errorLines } from "@ecr-push/e2e";
import { buildTestImage, dockerForTests, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)("ecr-push retag, end to end (real SDK, local ECR)", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  let password: string;
  let digest: string;

  /** Bytes of blobs that went into or out of the registry since `before`. */
  const moved = (before: { received: number; sent: number }) => ({
    received: e2e.local.stats.blobBytesReceived - before.received,
    sent: e2e.local.stats.blobBytesSent - before.sent,
  });
  const snapshot = () => ({
    received: e2e.local.stats.blobBytesReceived,
    sent: e2e.local.stats.blobBytesSent,
  });

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    password = (await e2e.registryCredentials()).password;
    await e2e.createRepository("team/web");
    await e2e.createRepository("team/frozen", { imageTagMutability: "IMMUTABLE" });
    await buildTestImage(host, "e2e/retag:1", { layers: 2, sizeBytes: 512 * 1024 });
    await buildTestImage(host, "e2e/retag:2");
    for (const repository of ["team/web", "team/frozen"]) {
      const pushed = await cli(e2e, ["push", "e2e/retag:1", "-r", repository, "-t", "1.0.0", "--json"]);
      expect(pushed.code, pushed.stderr).toBe(0);
      digest = JSON.parse(pushed.stdout).digest;
    }
    const other = await cli(e2e, ["push", "e2e/retag:2", "-r", "team/frozen", "-t", "taken"]);
    expect(other.code, other.stderr).toBe(0);
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("adds several tags by tag with no blob transferred, and skopeo sees the same digest", async () => {
    const before = snapshot();
    const run = await cli(e2e, ["retag", "team/web:1.0.0", "-t", "stable", "-t", "prod,1.0", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({
      imageUri: `${e2e.local.registry}/team/web:stable`,
      imageUris: ["stable", "prod", "1.0"].map((t) => `${e2e.local.registry}/team/web:${t}`),
      digest,
      sourceDigest: digest,
      registry: e2e.local.registry,
      repository: "team/web",
      tags: ["stable", "prod", "1.0"],
      registryId: e2e.local.accountId,
      region: e2e.local.region,
      repositoryCreated: false,
      tagsUnchanged: [],
      tagResults: ["stable", "prod", "1.0"].map((tag) => ({
        tag,
        imageUri: `${e2e.local.registry}/team/web:${tag}`,
        status: "pushed",
      })),
    });
    expect(doc.imageSizeBytes).toBeGreaterThan(512 * 1024);
    expect(moved(before)).toEqual({ received: 0, sent: 0 });
    const credentials = await e2e.registryCredentials();
    for (const tag of ["1.0.0", "stable", "prod", "1.0"]) {
      expect((await skopeoInspect(`${e2e.local.registry}/team/web:${tag}`, credentials)).Digest).toBe(digest);
    }
    expect(e2e.local.repository("team/web")?.imageTags).toMatchObject({ stable: digest, prod: digest });
    expectClean(run, password);
  });

  it("retags by digest, printing the URIs and the digest", async () => {
    const run = await cli(e2e, ["retag", `team/web@${digest}`, "-t", "by-digest"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      `${e2e.local.registry}/team/web:by-digest\n${e2e.local.registry}/team/web@${digest}\n`,
    );
  });

  it("leaves a tag that already names the image as it is, even in an immutable repository", async () => {
    const calls = e2e.local.calls.length;
    const run = await cli(e2e, ["retag", "team/frozen:1.0.0", "-t", "1.0.0", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.tagsUnchanged).toEqual(["1.0.0"]);
    expect(doc.tagResults).toEqual([
      { tag: "1.0.0", imageUri: `${e2e.local.registry}/team/frozen:1.0.0`, status: "unchanged" },
    ]);
    expect(e2e.local.calls.slice(calls).map((c) => c.operation)).not.toContain("PutImage");
  });

  it("refuses to move an immutable tag in one sentence (exit 1) and writes no tag at all", async () => {
    const run = await cli(e2e, ["retag", "team/frozen:1.0.0", "-t", "fresh", "-t", "taken"]);
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr, "error: ")).toEqual([
      "error: The tag taken already exists in team/frozen on another image and the repository's tags are immutable: choose a new tag or make the repository's tags mutable.",
    ]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(e2e.local.repository("team/frozen")?.imageTags.fresh).toBeUndefined();
    expectClean(run, password);
  });

  it("says in one sentence when the source image or repository is missing", async () => {
    const missing = await cli(e2e, ["retag", "team/web:9.9.9", "-t", "x"]);
    expect(missing.code).toBe(1);
    expect(errorLines(missing.stderr, "error: ")).toEqual([
      expect.stringMatching(
        /^error: The image team\/web:9\.9\.9 was not found in ECR \(eu-west-3\): check SOURCE/,
      ),
    ]);
    const noRepo = await cli(e2e, ["retag", "team/nothing:1", "-t", "x"]);
    expect(noRepo.code).toBe(1);
    expect(errorLines(noRepo.stderr, "error: ")).toEqual([
      expect.stringMatching(/^error: The repository team\/nothing does not exist/),
    ]);
    expectClean(missing, password);
  });

  it("rejects bad input with exit 2 before any AWS call", async () => {
    const calls = e2e.local.calls.length;
    const run = await cli(e2e, ["retag", "team/web", "-t", "x"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: Invalid SOURCE "team\/web": name the image to tag as REPOSITORY:TAG/);
    expect(e2e.local.calls.length).toBe(calls);
  });
});
