import { describe, expect, it } from "vitest";
import {
  type CopyEcrApi,
  type EcrImage,
  type EcrImageId,
  type ImageTagMutability,
  parseRetagRequest,
  type RawPushInputs,
  runRetag,
} from "../../../src/index.js";
import { sha256 } from "../../../src/oci/index.js";
import { FakeLogger, FakeMasker, FakeOutputs, fixedClock } from "./fakes.js";

const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const manifest = (digest: string): EcrImage => ({
  digest,
  manifest: `{"schemaVersion":2,"n":"${digest}"}`,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
});

/** An ECR repository in memory: tag -> image, with the mutability asked for. Records every call. */
class FakeEcr {
  readonly calls: string[] = [];
  readonly tags = new Map<string, EcrImage>();
  readonly images = new Map<string, EcrImage>();
  /** ARCHIVED or ACTIVATING by digest (BatchGetImage then returns nothing for it, as ECR does). */
  readonly statuses = new Map<string, string>();
  constructor(
    readonly mutability: ImageTagMutability = "MUTABLE",
    readonly exists = true,
    readonly exclusionFilters: string[] = [],
  ) {}

  api(): CopyEcrApi {
    return {
      getAuthorization: async () => {
        this.calls.push("GetAuthorizationToken");
        return { registry: REGISTRY, username: "AWS", password: "pw", proxyEndpoint: `https://${REGISTRY}` };
      },
      repositoryDetails: async () => {
        this.calls.push("DescribeRepositories");
        return this.exists
          ? {
              registryId: "123456789012",
              tagMutability: { mode: this.mutability, exclusionFilters: this.exclusionFilters },
            }
          : undefined;
      },
      batchGetImages: async (_repo: string, _id: string | undefined, ids: EcrImageId[]) => {
        this.calls.push(`BatchGetImage ${ids.map((id) => id.imageTag ?? id.imageDigest).join(",")}`);
        // An archived image (or one being restored) is not returned, as a pull of it is a 404.
        return ids.map((id) => {
          const image = id.imageTag ? this.tags.get(id.imageTag) : this.images.get(id.imageDigest ?? "");
          return image && this.statuses.has(image.digest) ? undefined : image;
        });
      },
      putImage: async ({ image, tag }: { image: EcrImage; tag: string }) => {
        this.calls.push(`PutImage ${tag} ${image.digest}`);
        this.tags.set(tag, image);
        return "tagged" as const;
      },
      imageSize: async () => 1234,
      imageStatus: async (_repo: string, _id: string | undefined, id: EcrImageId) => {
        this.calls.push(`DescribeImages ${id.imageTag ?? id.imageDigest}`);
        const digest = id.imageTag ? this.tags.get(id.imageTag)?.digest : id.imageDigest;
        const status = digest
          ? (this.statuses.get(digest) ?? (this.images.has(digest) ? "ACTIVE" : undefined))
          : undefined;
        return digest && status ? { digest, status } : undefined;
      },
      destroy: () => {},
      describeRepository: async () => ({ registryId: "123456789012" }),
      ensureRepository: async () => ({ registryId: "123456789012", created: false }),
    } as unknown as CopyEcrApi;
  }

  add(tag: string, image: EcrImage): void {
    this.tags.set(tag, image);
    this.images.set(image.digest, image);
  }
}

async function retag(fake: FakeEcr, raw: RawPushInputs) {
  const outputs = new FakeOutputs();
  const logger = new FakeLogger();
  const request = parseRetagRequest(
    { region: "eu-west-1", accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret", ...raw },
    { source: "SOURCE", tags: "--tag", platform: "--platform" },
  );
  const result = await runRetag(request, {
    logger,
    outputs,
    secrets: new FakeMasker(),
    clock: fixedClock,
    env: {},
    ecr: () => fake.api(),
    inputNames: { source: "SOURCE", tags: "--tag", platform: "--platform" },
  });
  return { result, outputs, logger };
}

describe("runRetag", () => {
  it("adds several tags with one read and one PutImage each, and reports the push outputs plus sourceDigest", async () => {
    const fake = new FakeEcr();
    fake.add("1.4.2", manifest(A));
    const { result, outputs } = await retag(fake, { source: "team/web:1.4.2", tags: ["stable", "prod"] });
    expect(fake.calls.filter((c) => c.startsWith("BatchGetImage") || c.startsWith("PutImage"))).toEqual([
      "BatchGetImage 1.4.2,stable,prod",
      `PutImage stable ${A}`,
      `PutImage prod ${A}`,
    ]);
    expect(result).toMatchObject({
      imageUri: `${REGISTRY}/team/web:stable`,
      imageUris: [`${REGISTRY}/team/web:stable`, `${REGISTRY}/team/web:prod`],
      digest: A,
      sourceDigest: A,
      registry: REGISTRY,
      repository: "team/web",
      tags: ["stable", "prod"],
      registryId: "123456789012",
      region: "eu-west-1",
      repositoryCreated: false,
      imageSizeBytes: 1234,
      tagsUnchanged: [],
    });
    expect(outputs.values).toEqual({
      imageUri: `${REGISTRY}/team/web:stable`,
      imageUris: `${REGISTRY}/team/web:stable\n${REGISTRY}/team/web:prod`,
      digest: A,
      registry: REGISTRY,
      repositoryCreated: "false",
      sourceDigest: A,
    });
  });

  it("retags by digest", async () => {
    const fake = new FakeEcr();
    fake.add("1", manifest(A));
    const { result } = await retag(fake, { source: `team/web@${A}`, tags: "latest" });
    expect(result.digest).toBe(A);
    expect(fake.tags.get("latest")?.digest).toBe(A);
  });

  it("treats a tag that already names the image as done, without a PutImage, even when immutable", async () => {
    const fake = new FakeEcr("IMMUTABLE");
    fake.add("1", manifest(A));
    fake.add("stable", manifest(A));
    const { result } = await retag(fake, { source: "team/web:1", tags: "stable" });
    expect(result.tagsUnchanged).toEqual(["stable"]);
    expect(fake.calls.some((c) => c.startsWith("PutImage"))).toBe(false);
  });

  it("refuses an immutable tag on another image before writing any tag", async () => {
    const fake = new FakeEcr("IMMUTABLE");
    fake.add("1", manifest(A));
    fake.add("stable", manifest(B));
    await expect(retag(fake, { source: "team/web:1", tags: ["new", "stable"] })).rejects.toThrow(
      "The tag stable already exists in team/web on another image and the repository's tags are immutable: choose a new tag or make the repository's tags mutable.",
    );
    expect(fake.calls.some((c) => c.startsWith("PutImage"))).toBe(false);
  });

  it("moves a tag an IMMUTABLE_WITH_EXCLUSION filter excludes, and refuses one no filter matches", async () => {
    const fake = new FakeEcr("IMMUTABLE_WITH_EXCLUSION", true, ["latest", "dev-*"]);
    fake.add("1", manifest(A));
    fake.add("latest", manifest(B));
    fake.add("dev-x", manifest(B));
    fake.add("v1", manifest(B));
    await retag(fake, { source: "team/web:1", tags: ["latest", "dev-x"] });
    expect(fake.tags.get("latest")?.digest).toBe(A);
    expect(fake.tags.get("dev-x")?.digest).toBe(A);
    await expect(retag(fake, { source: "team/web:1", tags: "v1" })).rejects.toThrow(
      "The tag v1 already exists in team/web on another image and the repository's tags are immutable except those matching latest, dev-* (IMMUTABLE_WITH_EXCLUSION), and v1 matches none: choose a new tag or make the repository's tags mutable.",
    );
  });

  it("refuses a tag a MUTABLE_WITH_EXCLUSION filter matches, and moves any other", async () => {
    const fake = new FakeEcr("MUTABLE_WITH_EXCLUSION", true, ["release-*"]);
    fake.add("1", manifest(A));
    fake.add("latest", manifest(B));
    fake.add("release-1", manifest(B));
    await retag(fake, { source: "team/web:1", tags: "latest" });
    expect(fake.tags.get("latest")?.digest).toBe(A);
    await expect(retag(fake, { source: "team/web:1", tags: "release-1" })).rejects.toThrow(
      "The tag release-1 already exists in team/web on another image and the repository's tags matching release-* are immutable (MUTABLE_WITH_EXCLUSION): choose a new tag or make the repository's tags mutable.",
    );
  });

  it("moves a mutable tag", async () => {
    const fake = new FakeEcr("MUTABLE");
    fake.add("1", manifest(A));
    fake.add("stable", manifest(B));
    await retag(fake, { source: "team/web:1", tags: "stable" });
    expect(fake.tags.get("stable")?.digest).toBe(A);
  });

  it("says in one sentence when the source image or the repository is missing", async () => {
    await expect(retag(new FakeEcr(), { source: "team/web:nope", tags: "x" })).rejects.toThrow(
      /^The image team\/web:nope was not found in ECR \(eu-west-1\): check SOURCE/,
    );
    await expect(retag(new FakeEcr("MUTABLE", false), { source: "team/web:1", tags: "x" })).rejects.toThrow(
      /^The repository team\/web does not exist in the registry of these credentials \(eu-west-1\)/,
    );
  });
});

describe("parseRetagRequest", () => {
  const parse = (raw: RawPushInputs) => parseRetagRequest(raw, { source: "SOURCE", tags: "--tag" });
  it("fails before writing anything for an archived image, saying how to restore it", async () => {
    const fake = new FakeEcr();
    fake.add("1.4.2", manifest(A));
    fake.statuses.set(A, "ARCHIVED");
    await expect(retag(fake, { source: "team/web:1.4.2", tags: "stable" })).rejects.toThrow(
      `The image team/web@${A} is archived in ECR and cannot be read until it is restored: run aws ecr update-image-storage-class --repository-name team/web --image-id imageDigest=${A} --region eu-west-1 --target-storage-class STANDARD, then run this again once aws ecr describe-images shows it ACTIVE (a restore takes a while).`,
    );
    fake.statuses.set(A, "ACTIVATING");
    const failure = await retag(fake, { source: `team/web@${A}`, tags: "stable" }).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      code: "ImageActivating",
      message: `The image team/web@${A} is being restored from ECR's archive and cannot be read yet: run this again once aws ecr describe-images --repository-name team/web --image-ids imageDigest=${A} --region eu-west-1 shows it ACTIVE.`,
    });
    expect(fake.calls.some((c) => c.startsWith("PutImage"))).toBe(false);
  });

  it("tags one platform of an index as that image manifest, or the index without attestations", async () => {
    const fake = new FakeEcr();
    const amd = manifest(A);
    const arm = manifest(B);
    const attestation = manifest(`sha256:${"c".repeat(64)}`);
    const entry = (image: EcrImage, os: string, architecture: string) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: image.digest,
      size: image.manifest.length,
      platform: { os, architecture },
    });
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        entry(amd, "linux", "amd64"),
        entry(arm, "linux", "arm64"),
        {
          ...entry(attestation, "unknown", "unknown"),
          annotations: {
            "vnd.docker.reference.digest": A,
            "vnd.docker.reference.type": "attestation-manifest",
          },
        },
      ],
    };
    const text = JSON.stringify(index, null, 2);
    const indexDigest = sha256(Buffer.from(text));
    fake.add("multi", { digest: indexDigest, manifest: text, mediaType: index.mediaType });
    for (const image of [amd, arm, attestation]) fake.images.set(image.digest, image);

    const one = await retag(fake, { source: "team/web:multi", tags: "lambda", platform: "linux/amd64" });
    expect(one.result).toMatchObject({ digest: A, sourceDigest: indexDigest });
    expect(fake.tags.get("lambda")).toEqual(amd);
    expect(one.logger.lines).toContain(
      `warn: Only the linux/amd64 image of the index was tagged, so the digest is that image manifest's (${A}), not the index's (${indexDigest}).`,
    );

    const clean = await retag(fake, { source: "team/web:multi", tags: "clean", dropAttestations: "true" });
    const rewritten = JSON.stringify({ ...index, manifests: index.manifests.slice(0, 2) });
    expect(clean.result.digest).toBe(sha256(Buffer.from(rewritten)));
    expect(fake.tags.get("clean")?.manifest).toBe(rewritten);

    await expect(
      retag(fake, { source: "team/web:multi", tags: "x", platform: "linux/s390x" }),
    ).rejects.toThrow(
      'Invalid --platform "linux/s390x": team/web:multi has no such platform (it has linux/amd64, linux/arm64), so pick one of those.',
    );
    await expect(
      retag(fake, { source: `team/web@${A}`, tags: "x", platform: "linux/amd64" }),
    ).rejects.toThrow(
      `Invalid --platform "linux/amd64": team/web@${A} is one image, not a multi-platform index, so there is no platform to choose: remove it.`,
    );
    expect(fake.tags.has("x")).toBe(false);
  });

  it("takes REPOSITORY:TAG or REPOSITORY@DIGEST and at least one new tag", () => {
    expect(parse({ source: "team/web:1", tags: "a,b" })).toMatchObject({
      repository: "team/web",
      image: { tag: "1" },
      tags: ["a", "b"],
    });
    expect(parse({ source: `team/web@${A}`, tags: "a" }).image).toEqual({ digest: A });
  });
  it("rejects what is not one image of one repository, in one sentence naming the input", () => {
    expect(() => parse({ source: "team/web", tags: "a" })).toThrow(
      /^Invalid SOURCE "team\/web": name the image/,
    );
    expect(() => parse({ source: "team/web:1" })).toThrow(
      "Missing --tag: give at least one new tag for the image.",
    );
    expect(() => parse({ source: "host.example.com/team/web:1", tags: "a" })).toThrow(
      /without a registry host/,
    );
    expect(() => parse({ source: "team/web:1", tags: "-bad" })).toThrow(/^Invalid --tag "-bad"/);
  });
});
