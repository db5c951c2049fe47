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
        return ids.map((id) =>
          id.imageTag ? this.tags.get(id.imageTag) : this.images.get(id.imageDigest ?? ""),
        );
      },
      putImage: async ({ image, tag }: { image: EcrImage; tag: string }) => {
        this.calls.push(`PutImage ${tag} ${image.digest}`);
        this.tags.set(tag, image);
        return "tagged" as const;
      },
      imageSize: async () => 1234,
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
    { source: "SOURCE", tags: "--tag" },
  );
  const result = await runRetag(request, {
    logger,
    outputs,
    secrets: new FakeMasker(),
    clock: fixedClock,
    env: {},
    ecr: () => fake.api(),
    inputNames: { source: "SOURCE", tags: "--tag" },
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
