import { createHash, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Clock,
  type CopyEcrApi,
  type EcrApiOptions,
  type EcrPushError,
  type EnsureRepositoryOptions,
  type PromoteResult,
  parsePromoteRequest,
  type RawPushInputs,
  runPromote,
} from "../../../src/index.js";
import { FakeRegistry, type Recorded } from "../registry/fake-registry.js";
import { FakeLogger, FakeMasker, FakeOutputs } from "./fakes.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const ACCOUNT = "123456789012";
const SOURCE_ACCOUNT = "210987654321";
const SOURCE_ECR = `${SOURCE_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`;
const SECRET_KEY = "destination-secret-key";
const names = {
  source: "SOURCE",
  tags: "--tag",
  platform: "--platform",
  createRepository: "--create-repository",
};

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** A clock that moves only when told, so that durations in log lines are exact. */
class ManualClock implements Clock {
  ms = Date.parse("2025-01-01T00:00:00Z");
  now = () => new Date(this.ms);
  sleep = async () => {};
}

/**
 * ECR's API for one side, in memory: authorization to `registry` (a FakeRegistry on loopback),
 * a repository that exists or not, and every call recorded.
 */
class FakeEcr {
  readonly calls: string[] = [];
  readonly options: EcrApiOptions[] = [];
  readonly ensured: EnsureRepositoryOptions[] = [];
  exists = true;
  /** Run when the repository is ensured (to move a clock). */
  onEnsure = () => {};

  constructor(readonly registry: FakeRegistry) {}

  api(options: EcrApiOptions): CopyEcrApi {
    this.options.push(options);
    return {
      getAuthorization: async (registryId?: string) => {
        this.calls.push(`GetAuthorizationToken ${registryId ?? "-"}`);
        return {
          registry: this.registry.host,
          username: "AWS" as const,
          password: this.registry.password,
          proxyEndpoint: `http://${this.registry.host}`,
        };
      },
      describeRepository: async (repository: string) => {
        this.calls.push(`DescribeRepositories ${repository}`);
        return this.exists
          ? { registryId: ACCOUNT, tagMutability: { mode: "MUTABLE", exclusionFilters: [] } }
          : { missing: new Error("not found") };
      },
      ensureRepository: async (ensure: EnsureRepositoryOptions, described: Promise<unknown>) => {
        this.ensured.push(ensure);
        this.onEnsure();
        const found = (await described) as { missing?: unknown };
        if (!found.missing)
          return {
            registryId: ACCOUNT,
            created: false,
            tagMutability: { mode: "MUTABLE", exclusionFilters: [] },
          };
        if (!ensure.create) throw new Error(`${ensure.repository} does not exist`);
        this.calls.push(`CreateRepository ${ensure.repository} ${JSON.stringify(ensure.settings)}`);
        this.exists = true;
        return {
          registryId: ACCOUNT,
          created: true,
          tagMutability: { mode: "MUTABLE", exclusionFilters: [] },
        };
      },
      destroy: () => {
        this.calls.push("destroy");
      },
    } as unknown as CopyEcrApi;
  }
}

interface TestImage {
  blobs: Buffer[];
  manifest: Buffer;
  digest: string;
  size: number;
}

/** An image of `layers` for `platform`, its blobs and manifest put in `registry`'s team/web. */
function seedImage(registry: FakeRegistry, platform: string, layers: Buffer[], tag?: string): TestImage {
  const [os, architecture] = platform.split("/");
  const config = Buffer.from(JSON.stringify({ os, architecture }));
  const blobs = [config, ...layers];
  const [configDescriptor, ...layerDescriptors] = blobs.map((blob, i) => ({
    mediaType:
      i === 0 ? "application/vnd.oci.image.config.v1+json" : "application/vnd.oci.image.layer.v1.tar+gzip",
    digest: sha256(blob),
    size: blob.length,
  }));
  const manifest = Buffer.from(
    JSON.stringify(
      { schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDescriptor, layers: layerDescriptors },
      null,
      2,
    ),
  );
  for (const blob of blobs) registry.addBlob("team/web", blob);
  const stored = { type: OCI_MANIFEST, bytes: manifest };
  registry.manifests.set(sha256(manifest), stored);
  if (tag) registry.manifests.set(tag, stored);
  return { blobs, manifest, digest: sha256(manifest), size: blobs.reduce((sum, b) => sum + b.length, 0) };
}

/** The lines a host shows (no --debug), each blob's "Pushed" line with its timing left out. */
const shown = (logger: FakeLogger) =>
  logger.lines
    .filter((l) => !l.startsWith("debug: "))
    .map((l) => l.replace(/^(info: [a-f0-9]{12}: Pushed \d+\.\d MiB) in .*$/, "$1"));

const isManifest = (r: Recorded) => r.path.includes("/manifests/");

describe("runPromote", () => {
  const registries: FakeRegistry[] = [];
  afterEach(async () => {
    for (const registry of registries.splice(0)) await registry.close();
  });

  async function setup(env: Record<string, string> = {}) {
    const source = await FakeRegistry.start("source-registry-password");
    const target = await FakeRegistry.start("destination-registry-password");
    registries.push(source, target);
    const sourceEcr = new FakeEcr(source);
    const destinationEcr = new FakeEcr(target);
    const clock = new ManualClock();
    // The whole promote takes 3.2 s by this clock.
    destinationEcr.onEnsure = () => {
      clock.ms += 3200;
    };
    const logger = new FakeLogger();
    const outputs = new FakeOutputs();
    const secrets = new FakeMasker();
    const controller = new AbortController();
    const request = (raw: RawPushInputs) =>
      parsePromoteRequest(
        {
          repository: "prod/web",
          region: "eu-west-1",
          accessKeyId: "AKIADESTINATION",
          secretAccessKey: SECRET_KEY,
          ...raw,
        },
        names,
      );
    const run = (raw: RawPushInputs) =>
      runPromote(request(raw), {
        logger,
        outputs,
        secrets,
        clock,
        env,
        signal: controller.signal,
        inputNames: names,
        // Each side gets its own client: the source's region is the one its host names.
        ecr: (options) => (options.region === "us-west-2" ? sourceEcr : destinationEcr).api(options),
      });
    const failure = (raw: RawPushInputs) =>
      run(raw).then(
        () => {
          throw new Error("expected the promote to fail");
        },
        (error: unknown) => error as EcrPushError,
      );
    return {
      source,
      target,
      sourceEcr,
      destinationEcr,
      clock,
      logger,
      outputs,
      secrets,
      controller,
      run,
      failure,
    };
  }

  /** A plain registry source, read with explicit credentials. */
  const plainSource = (source: FakeRegistry, reference: string): RawPushInputs => ({
    source: `docker://${source.host}/team/web${reference}`,
    sourceUsername: "AWS",
    sourcePassword: source.password,
  });

  it("copies from a plain registry: the exact outputs, result, calls and log lines", async () => {
    const s = await setup();
    const layer = randomBytes(1_572_864);
    const image = seedImage(s.source, "linux/amd64", [layer, Buffer.from("small layer")], "1.4.2");
    const from = `docker://${s.source.host}/team/web:1.4.2`;
    const uris = [`${s.target.host}/prod/web:1.4.2`, `${s.target.host}/prod/web:stable`];

    const result = await s.run({ ...plainSource(s.source, ":1.4.2"), tags: "1.4.2,stable" });

    const expected: PromoteResult = {
      imageUri: uris[0] as string,
      imageUris: uris,
      digest: image.digest,
      sourceDigest: image.digest,
      registry: s.target.host,
      repository: "prod/web",
      tags: ["1.4.2", "stable"],
      registryId: ACCOUNT,
      region: "eu-west-1",
      repositoryCreated: false,
      sourceImageId: image.digest,
      imageSizeBytes: image.size,
      transfer: {
        blobsCopied: 3,
        blobsSkipped: 0,
        blobsMounted: 0,
        bytesCopied: image.size,
        manifestsPut: 2,
      },
      tagResults: [
        { tag: "1.4.2", imageUri: uris[0] as string, status: "pushed" },
        { tag: "stable", imageUri: uris[1] as string, status: "pushed" },
      ],
    };
    expect(result).toEqual(expected);
    expect(s.outputs.values).toEqual({
      imageUri: uris[0],
      imageUris: uris.join("\n"),
      digest: image.digest,
      registry: s.target.host,
      repositoryCreated: "false",
      sourceDigest: image.digest,
    });
    // The bytes landed as they were: the tags name the source's manifest.
    expect(s.target.manifests.get("stable")?.bytes.equals(image.manifest)).toBe(true);
    expect(s.target.requests.filter(isManifest).map((r) => `${r.method} ${r.path}`)).toEqual([
      "PUT /v2/prod/web/manifests/1.4.2",
      "PUT /v2/prod/web/manifests/stable",
    ]);

    // Only the destination is ECR: one client, its token, the repository described and ensured.
    expect(s.sourceEcr.options).toEqual([]);
    expect(s.destinationEcr.calls).toEqual([
      `DescribeRepositories prod/web`,
      "GetAuthorizationToken -",
      "destroy",
    ]);
    expect(s.destinationEcr.options.map((o) => [o.region, o.credentials])).toEqual([
      ["eu-west-1", { accessKeyId: "AKIADESTINATION", secretAccessKey: SECRET_KEY }],
    ]);
    expect(s.destinationEcr.ensured).toEqual([
      {
        repository: "prod/web",
        registryId: undefined,
        create: false,
        settings: { imageTagMutability: undefined, scanOnPush: undefined, encryption: undefined, tags: {} },
        registry: s.target.host,
        createInputName: "--create-repository",
      },
    ]);
    expect(s.secrets.masked).toEqual(expect.arrayContaining([s.source.password, SECRET_KEY]));

    const lines = shown(s.logger);
    const blobLines = lines.slice(4, 7);
    expect([...lines.slice(0, 4), ...lines.slice(7)]).toEqual([
      "group: Authenticating",
      `info: Logged in to ${s.target.host}.`,
      "endgroup",
      `group: Promoting ${from} to ${uris.join(", ")}`,
      "endgroup",
      `info: Promoted ${from} to ${uris.join(", ")} (${image.digest}) in 3.2 s: 3 blobs copied (1.5 MiB), 0 already there, 0 mounted.`,
    ]);
    expect(blobLines.sort()).toEqual(
      image.blobs
        .map((b) => `info: ${sha256(b).slice(7, 19)}: Pushed ${(b.length / 1048576).toFixed(1)} MiB`)
        .sort(),
    );
    expect(s.logger.lines).toContain("debug: Destination: region eu-west-1 (from input).");
    expect(s.logger.lines).toContain("debug: Destination: credentials from access keys.");
  });

  it("says on a re-run that every blob was already there, and tags the source's tag by default", async () => {
    const s = await setup();
    const image = seedImage(s.source, "linux/amd64", [Buffer.from("layer")], "1.4.2");
    const from = `docker://${s.source.host}/team/web:1.4.2`;
    const uri = `${s.target.host}/prod/web:1.4.2`;
    await s.run(plainSource(s.source, ":1.4.2"));
    s.logger.lines.length = 0;
    s.target.requests.length = 0;

    const again = await s.run(plainSource(s.source, ":1.4.2"));

    expect(again.transfer).toEqual({
      blobsCopied: 0,
      blobsSkipped: 2,
      blobsMounted: 0,
      bytesCopied: 0,
      manifestsPut: 1,
    });
    expect(again.imageUris).toEqual([uri]);
    expect(shown(s.logger).at(-1)).toBe(
      `info: Promoted ${from} to ${uri} (${image.digest}) in 3.2 s: 0 blobs copied (0.0 MiB), 2 already there, 0 mounted.`,
    );
    expect(s.target.requests.map((r) => r.method).sort()).toEqual(["HEAD", "HEAD", "PUT"]);
  });

  it("reads an ECR source with its own client, region and token, by digest, tagged latest", async () => {
    const s = await setup({ AWS_ACCESS_KEY_ID: "AKIASOURCE", AWS_SECRET_ACCESS_KEY: "source-secret-key" });
    const image = seedImage(s.source, "linux/arm64", [Buffer.from("layer")]);

    const result = await s.run({
      source: `${SOURCE_ECR}/team/web@${image.digest}`,
      sourceEndpointUrl: "http://ecr.local:4566",
    });

    expect(result).toMatchObject({
      imageUri: `${s.target.host}/prod/web:latest`,
      digest: image.digest,
      sourceDigest: image.digest,
      tags: ["latest"],
    });
    expect(s.outputs.values.sourceDigest).toBe(image.digest);
    // The source's account's token, from a client in the source's region with the job's
    // environment credentials and the source endpoint; the destination keeps its inputs.
    expect(s.sourceEcr.calls).toEqual([`GetAuthorizationToken ${SOURCE_ACCOUNT}`, "destroy"]);
    expect(s.sourceEcr.options.map((o) => [o.region, o.credentials, o.env.AWS_ENDPOINT_URL_ECR])).toEqual([
      [
        "us-west-2",
        { accessKeyId: "AKIASOURCE", secretAccessKey: "source-secret-key" },
        "http://ecr.local:4566",
      ],
    ]);
    expect(s.destinationEcr.options.map((o) => [o.region, o.env.AWS_ENDPOINT_URL_ECR])).toEqual([
      ["eu-west-1", undefined],
    ]);
    expect(s.source.requests.filter(isManifest).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v2/team/web/manifests/${image.digest}`,
    ]);
    expect(s.target.manifests.get("latest")?.bytes.equals(image.manifest)).toBe(true);
    expect(s.secrets.masked).toContain("source-secret-key");
    expect(s.logger.lines).toContain("debug: Source: region us-west-2 (from input).");
    expect(s.logger.lines).toContain("debug: Source: credentials from environment access keys.");
    expect(shown(s.logger).at(-1)).toBe(
      `info: Promoted ${SOURCE_ECR}/team/web@${image.digest} to ${s.target.host}/prod/web:latest (${image.digest}) in 3.2 s: 2 blobs copied (0.0 MiB), 0 already there, 0 mounted.`,
    );
  });

  it("copies one platform as that image manifest alone, and warns that the digest is not the index's", async () => {
    const s = await setup();
    const { amd64, indexBytes } = seedTwoPlatformsWithAttestation(s.source);

    const result = await s.run({ ...plainSource(s.source, ":2.0"), platform: "linux/amd64" });

    expect(result).toMatchObject({
      digest: amd64.digest,
      sourceDigest: sha256(indexBytes),
      sourceImageId: sha256(indexBytes),
    });
    expect(s.outputs.values).toMatchObject({ digest: amd64.digest, sourceDigest: sha256(indexBytes) });
    expect(s.logger.lines).toContain(
      `warn: Only the linux/amd64 image of the index was copied, so the digest is that image manifest's (${amd64.digest}), not the index's (${sha256(indexBytes)}).`,
    );
    // The image manifest goes up once, under the tag: no index, nothing of arm64 or the attestation.
    expect(s.target.requests.filter(isManifest).map((r) => r.path)).toEqual(["/v2/prod/web/manifests/2.0"]);
    expect(s.target.manifests.get("2.0")).toEqual({ type: OCI_MANIFEST, bytes: amd64.manifest });
  });

  it("leaves attestation manifests out of an index when asked, and says the index was rewritten", async () => {
    const s = await setup();
    const { amd64, arm64, attestation, index, indexBytes } = seedTwoPlatformsWithAttestation(s.source);
    const kept = { ...index, manifests: index.manifests.slice(0, 2) };
    const rewritten = sha256(Buffer.from(JSON.stringify(kept)));

    const result = await s.run({ ...plainSource(s.source, ":2.0"), dropAttestations: "true" });

    expect(result).toMatchObject({ digest: rewritten, sourceDigest: sha256(indexBytes) });
    expect(s.logger.lines).toContain(
      `warn: Only the index without its attestation manifests was copied (1 manifest left out), so the index was rewritten and the digest changed from ${sha256(indexBytes)} to ${rewritten}.`,
    );
    expect(s.target.requests.filter(isManifest).map((r) => r.path)).toEqual([
      `/v2/prod/web/manifests/${amd64.digest}`,
      `/v2/prod/web/manifests/${arm64.digest}`,
      "/v2/prod/web/manifests/2.0",
    ]);
    expect(s.target.manifests.has(attestation.digest)).toBe(false);
  });

  it("keeps an index and its attestations whole by default, digest unchanged", async () => {
    const s = await setup();
    const { attestation, indexBytes } = seedTwoPlatformsWithAttestation(s.source);
    const result = await s.run({ ...plainSource(s.source, ":2.0") });
    expect(result.digest).toBe(sha256(indexBytes));
    expect(s.target.manifests.has(attestation.digest)).toBe(true);
    expect(s.logger.lines.filter((l) => l.startsWith("warn:"))).toEqual([]);
  });

  it("creates the repository when asked, with the settings given", async () => {
    const s = await setup();
    s.destinationEcr.exists = false;
    seedImage(s.source, "linux/amd64", [Buffer.from("layer")], "1");

    const result = await s.run({
      ...plainSource(s.source, ":1"),
      createRepository: "true",
      imageTagMutability: "immutable",
      scanOnPush: "true",
      encryptionType: "KMS",
      kmsKey: "alias/ecr",
      repositoryTags: "team=platform,cost-center=42",
    });

    const settings = {
      imageTagMutability: "IMMUTABLE",
      scanOnPush: true,
      encryption: { type: "KMS", kmsKey: "alias/ecr" },
      tags: { team: "platform", "cost-center": "42" },
    };
    expect(s.destinationEcr.ensured).toEqual([
      {
        repository: "prod/web",
        registryId: undefined,
        create: true,
        settings,
        registry: s.target.host,
        createInputName: "--create-repository",
      },
    ]);
    expect(s.destinationEcr.calls).toEqual([
      "DescribeRepositories prod/web",
      "GetAuthorizationToken -",
      `CreateRepository prod/web ${JSON.stringify(settings)}`,
      "destroy",
    ]);
    expect(result.repositoryCreated).toBe(true);
    expect(s.outputs.values.repositoryCreated).toBe("true");
  });

  it("fails in one sentence, tagging nothing, when the source image is missing", async () => {
    const s = await setup();
    const error = await s.failure(plainSource(s.source, ":nope"));
    expect(error.message).toBe(
      `The source image docker://${s.source.host}/team/web:nope was not found in ${s.source.host}: check SOURCE.`,
    );
    expect(s.target.requests).toEqual([]);
    expect(s.outputs.values).toEqual({});
    expect(s.destinationEcr.calls.at(-1)).toBe("destroy");
  });

  it("ends with 'The push was cancelled.' when the signal is already aborted, before any call", async () => {
    const s = await setup();
    seedImage(s.source, "linux/amd64", [Buffer.from("layer")], "1");
    s.controller.abort();
    const error = await s.failure(plainSource(s.source, ":1"));
    expect(error.message).toBe("The push was cancelled.");
    expect(error.code).toBe("Aborted");
    expect(s.destinationEcr.options).toEqual([]);
    expect(s.source.requests).toEqual([]);
    expect(s.target.requests).toEqual([]);
  });

  it("ends with 'The push was cancelled.' when aborted mid-copy, tagging nothing", async () => {
    const s = await setup();
    seedImage(s.source, "linux/amd64", [Buffer.from("layer one"), Buffer.from("layer two")], "1");
    s.target.fail = (r) => {
      if (r.method === "PATCH") s.controller.abort();
      return undefined;
    };
    const error = await s.failure(plainSource(s.source, ":1"));
    expect(error.message).toBe("The push was cancelled.");
    expect(error.code).toBe("Aborted");
    expect(s.target.requests.some((r) => r.method === "PATCH")).toBe(true);
    expect(s.target.requests.filter(isManifest)).toEqual([]);
    expect(s.target.manifests.size).toBe(0);
    expect(s.outputs.values).toEqual({});
    expect(s.destinationEcr.calls.at(-1)).toBe("destroy");
  });
});

/** An index of linux/amd64 and linux/arm64 plus buildx's attestation manifest for amd64, as 2.0. */
function seedTwoPlatformsWithAttestation(source: Parameters<typeof seedImage>[0]) {
  const amd64 = seedImage(source, "linux/amd64", [Buffer.from("amd64 layer")]);
  const arm64 = seedImage(source, "linux/arm64", [Buffer.from("arm64 layer")]);
  const attestation = seedImage(source, "unknown/unknown", [Buffer.from("provenance")]);
  const descriptor = (image: TestImage, architecture: string, os = "linux") => ({
    mediaType: OCI_MANIFEST,
    digest: image.digest,
    size: image.manifest.length,
    platform: { architecture, os },
  });
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      descriptor(amd64, "amd64"),
      descriptor(arm64, "arm64"),
      {
        ...descriptor(attestation, "unknown", "unknown"),
        annotations: {
          "vnd.docker.reference.digest": amd64.digest,
          "vnd.docker.reference.type": "attestation-manifest",
        },
      },
    ],
  };
  const indexBytes = Buffer.from(JSON.stringify(index, null, 2));
  source.manifests.set("2.0", { type: OCI_INDEX, bytes: indexBytes });
  return { amd64, arm64, attestation, index, indexBytes };
}
