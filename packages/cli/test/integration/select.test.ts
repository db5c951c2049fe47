import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DescribeImagesCommand, UpdateImageStorageClassCommand } from "@aws-sdk/client-ecr";
import { EcrFixture, errorLines } from "@ecr-push/e2e";
import {
  dockerForTests,
  type MultiPlatformLayout,
  skopeoInspect,
  skopeoRawManifest,
  writeMultiPlatformOciLayout,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();
const sha256 = (bytes: Buffer | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

describe.runIf(dockerHost)("platform and attestation selection, and archived images", () => {
  const host = dockerHost as string;
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-select-"));
  let e2e: EcrFixture;
  let layout: MultiPlatformLayout;
  const blob = (digest: string) => readFileSync(path.join(layout.dir, "blobs", "sha256", digest.slice(7)));
  const amd64 = () => layout.images[0] as MultiPlatformLayout["images"][number];
  const uri = (ref: string) => `${e2e.local.registry}/${ref}`;

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    layout = writeMultiPlatformOciLayout(path.join(dir, "layout"));
  });
  afterAll(async () => {
    await e2e?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pushes one platform of an OCI index as that image manifest alone, and says the digest is not the index's", async () => {
    const run = await cli(e2e, [
      "push",
      `oci:${layout.dir}`,
      "-r",
      "team/lambda",
      "-t",
      "1",
      "--create-repository",
      "--platform",
      "linux/amd64",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expectClean(run);
    const doc = JSON.parse(run.stdout);
    expect(doc.digest).toBe(amd64().digest);
    expect(run.stderr).toContain(
      `Only the linux/amd64 image of the index was pushed, so the digest is that image manifest's (${amd64().digest}), not the index's (${layout.indexDigest}).`,
    );
    // What a pull sees: the image manifest itself (no index for Lambda to reject), as stored.
    const credentials = await e2e.registryCredentials();
    expect((await skopeoInspect(uri("team/lambda:1"), credentials)).Digest).toBe(amd64().digest);
    expect(await skopeoRawManifest(uri("team/lambda:1"), credentials)).toBe(blob(amd64().digest).toString());
    // Nothing of the other platform or the attestations went up.
    expect(e2e.local.repository("team/lambda")?.imageDigests).toEqual([amd64().digest]);
  });

  it("leaves attestation manifests out of the index with --no-attestations, and says the digest changed", async () => {
    const run = await cli(e2e, [
      "push",
      `oci:${layout.dir}`,
      "-r",
      "team/clean",
      "-t",
      "1",
      "--create-repository",
      "--no-attestations",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    const whole = JSON.parse(layout.index.toString()) as { manifests: unknown[] };
    const rewritten = JSON.stringify({ ...whole, manifests: whole.manifests.slice(0, 2) });
    expect(doc.digest).toBe(sha256(rewritten));
    expect(run.stderr).toContain(
      `Only the index without its attestation manifests was pushed (2 manifests left out), so the index was rewritten and the digest changed from ${layout.indexDigest} to ${doc.digest}.`,
    );
    const credentials = await e2e.registryCredentials();
    expect(await skopeoRawManifest(uri("team/clean:1"), credentials)).toBe(rewritten);
    for (const image of layout.images) {
      expect((await skopeoInspect(uri(`team/clean@${image.digest}`), credentials)).Digest).toBe(image.digest);
    }
    expect([...(e2e.local.repository("team/clean")?.imageDigests ?? [])].sort()).toEqual(
      [...layout.images.map((i) => i.digest), doc.digest].sort(),
    );

    // Without either input the index goes up whole, attestations included, digest unchanged.
    const whole1 = await cli(e2e, ["push", `oci:${layout.dir}`, "-r", "team/clean", "-t", "whole", "--json"]);
    expect(whole1.code, whole1.stderr).toBe(0);
    expect(JSON.parse(whole1.stdout).digest).toBe(layout.indexDigest);
    expect(await skopeoRawManifest(uri("team/clean:whole"), credentials)).toBe(layout.index.toString());
  });

  it("refuses a platform the index lacks, a malformed one, or one for a single-image source, writing nothing (exit 2)", async () => {
    const absent = await cli(e2e, [
      "push",
      `oci:${layout.dir}`,
      "-r",
      "team/never",
      "--create-repository",
      "--platform",
      "linux/s390x",
    ]);
    expect(absent.code).toBe(2);
    expect(errorLines(absent.stderr, "error: ")).toEqual([
      `error: Invalid --platform "linux/s390x": oci:${layout.dir} has no such platform (it has linux/amd64, linux/arm64/v8), so pick one of those.`,
    ]);
    const malformed = await cli(e2e, [
      "push",
      `oci:${layout.dir}`,
      "-r",
      "team/never",
      "--platform",
      "linux",
    ]);
    expect(malformed.code).toBe(2);
    expect(errorLines(malformed.stderr, "error: ")).toEqual([
      'error: Invalid --platform "linux": use OS/ARCH or OS/ARCH/VARIANT, such as linux/amd64 or linux/arm64/v8.',
    ]);
    const local = await cli(e2e, ["push", "web:1", "-r", "team/never", "--platform", "linux/amd64"]);
    expect(local.code).toBe(2);
    expect(errorLines(local.stderr, "error: ")).toEqual([
      'error: Invalid --platform "linux/amd64": it chooses images of a multi-platform index in an oci: source, and a local Docker image holds one image of one platform, so remove it.',
    ]);
    expect(e2e.local.repository("team/never")).toBeUndefined();
  });

  it("retags one platform of an index in ECR as that image manifest, no blob moved", async () => {
    const pushed = await cli(e2e, [
      "push",
      `oci:${layout.dir}`,
      "-r",
      "team/multi",
      "-t",
      "multi",
      "--create-repository",
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const run = await cli(e2e, [
      "retag",
      "team/multi:multi",
      "-t",
      "lambda",
      "--platform",
      "linux/amd64",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      digest: amd64().digest,
      sourceDigest: layout.indexDigest,
    });
    expect(run.stderr).toContain("Only the linux/amd64 image of the index was tagged");
    const credentials = await e2e.registryCredentials();
    expect((await skopeoInspect(uri("team/multi:lambda"), credentials)).Digest).toBe(amd64().digest);
  });

  it("refuses to retag or promote an archived image, saying how to restore it, and works once restored", async () => {
    const ecr = e2e.ecr();
    const imageId = { imageDigest: amd64().digest };
    await ecr.send(
      new UpdateImageStorageClassCommand({
        repositoryName: "team/lambda",
        imageId,
        targetStorageClass: "ARCHIVE",
      }),
    );
    const region = e2e.local.region;
    const restore = `aws ecr update-image-storage-class --repository-name team/lambda --image-id imageDigest=${amd64().digest} --region ${region} --target-storage-class STANDARD`;
    const retag = await cli(e2e, ["retag", "team/lambda:1", "-t", "2"]);
    expect(retag.code).toBe(1);
    expect(errorLines(retag.stderr, "error: ")).toEqual([
      `error: The image team/lambda@${amd64().digest} is archived in ECR and cannot be read until it is restored: run ${restore}, then run this again once aws ecr describe-images shows it ACTIVE (a restore takes a while).`,
    ]);
    const here = `${e2e.local.accountId}.dkr.ecr.${region}.amazonaws.com`;
    const promote = [
      "promote",
      `${here}/team/lambda:1`,
      "--source-endpoint-url",
      e2e.local.endpoint,
      "-r",
      "team/promoted",
      "--create-repository",
    ];
    const promoted = await cli(e2e, promote);
    expect(promoted.code).toBe(1);
    // The source registry is named: it may be another account's.
    const restoreThere = restore.replace(" --region", ` --registry-id ${e2e.local.accountId} --region`);
    expect(errorLines(promoted.stderr, "error: ")).toEqual([
      `error: The image team/lambda@${amd64().digest} is archived in ECR and cannot be read until it is restored: run ${restoreThere}, then run this again once aws ecr describe-images shows it ACTIVE (a restore takes a while).`,
    ]);
    expect(e2e.local.repository("team/lambda")?.imageTags).toEqual({ 1: amd64().digest });
    expect(e2e.local.repository("team/promoted")?.imageDigests ?? []).toEqual([]);

    // Being restored: retry later.
    e2e.local.setRestoreDelay(600_000);
    await ecr.send(
      new UpdateImageStorageClassCommand({
        repositoryName: "team/lambda",
        imageId,
        targetStorageClass: "STANDARD",
      }),
    );
    const activating = await cli(e2e, ["retag", `team/lambda@${amd64().digest}`, "-t", "2"]);
    expect(activating.code).toBe(1);
    expect(errorLines(activating.stderr, "error: ")).toEqual([
      `error: The image team/lambda@${amd64().digest} is being restored from ECR's archive and cannot be read yet: run this again once aws ecr describe-images --repository-name team/lambda --image-ids imageDigest=${amd64().digest} --region ${region} shows it ACTIVE.`,
    ]);

    // Restored: both work.
    e2e.local.setRestoreDelay(0);
    await ecr.send(
      new UpdateImageStorageClassCommand({
        repositoryName: "team/lambda",
        imageId,
        targetStorageClass: "STANDARD",
      }),
    );
    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: "team/lambda", imageIds: [imageId] }),
    );
    expect(described.imageDetails?.[0]?.imageStatus).toBe("ACTIVE");
    const retagged = await cli(e2e, ["retag", "team/lambda:1", "-t", "2"]);
    expect(retagged.code, retagged.stderr).toBe(0);
    const copied = await cli(e2e, promote);
    expect(copied.code, copied.stderr).toBe(0);
  });
});
