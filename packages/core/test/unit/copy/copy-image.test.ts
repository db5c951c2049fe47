import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type CopyOptions, copyImage } from "../../../src/copy/copy-image.js";
import type { EcrPushError } from "../../../src/errors/index.js";
import type { RegistryClient } from "../../../src/registry/index.js";
import { clientOf, FakeRegistry, type Recorded } from "../registry/fake-registry.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const short = (digest: string) => digest.slice(7, 19);

/** One platform's image: its blobs (config first) and its manifest, deliberately not compact JSON. */
interface TestImage {
  config: Buffer;
  layers: Buffer[];
  manifest: Buffer;
  digest: string;
  /** Config and layers' bytes. */
  size: number;
}

function testImage(platform: string, layers: Buffer[]): TestImage {
  const [os, architecture, variant] = platform.split("/");
  const config = Buffer.from(JSON.stringify({ os, architecture, ...(variant ? { variant } : {}) }));
  // Indented with three spaces: a copy that re-serialized the JSON would change the digest.
  const manifest = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
        layers: layers.map((layer) => ({ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length })),
      },
      null,
      3,
    ),
  );
  const size = config.length + layers.reduce((sum, layer) => sum + layer.length, 0);
  return { config, layers, manifest, digest: sha256(manifest), size };
}

function descriptor(image: TestImage, platform: string) {
  const [os, architecture, variant] = platform.split("/");
  return {
    mediaType: OCI_MANIFEST,
    digest: image.digest,
    size: image.manifest.length,
    platform: { architecture, os, ...(variant ? { variant } : {}) },
  };
}

/** Puts an image's blobs in `repository` of `registry`, its manifest under its digest and `tag`. */
function seed(registry: FakeRegistry, repository: string, image: TestImage, tag?: string): void {
  for (const blob of [image.config, ...image.layers]) registry.addBlob(repository, blob);
  const stored = { type: OCI_MANIFEST, bytes: image.manifest };
  registry.manifests.set(image.digest, stored);
  if (tag) registry.manifests.set(tag, stored);
}

/** `METHOD path`, with upload session ids made stable. */
const line = (r: Recorded) => `${r.method} ${r.path.replace(/\/blobs\/uploads\/\d+$/, "/blobs/uploads/ID")}`;

/** The four requests a blob costs in the target when it is copied: HEAD, POST, PATCH, PUT. */
function copiedBlob(repository: string, digest: string): string[] {
  return [
    `HEAD /v2/${repository}/blobs/${digest}`,
    `POST /v2/${repository}/blobs/uploads/`,
    `PATCH /v2/${repository}/blobs/uploads/ID`,
    `PUT /v2/${repository}/blobs/uploads/ID`,
  ];
}

const blobsOf = (image: TestImage) => [image.config, ...image.layers].map(sha256);
const pushedLine = /^[a-f0-9]{12}: Pushed \d+\.\d MiB in \d+\.\d s \(\d+\.\d MiB\/s\)$/;

describe("copyImage", () => {
  const registries: FakeRegistry[] = [];
  const clients: RegistryClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const registry of registries.splice(0)) await registry.close();
  });

  async function registry(): Promise<FakeRegistry> {
    const started = await FakeRegistry.start();
    registries.push(started);
    return started;
  }

  function client(of: FakeRegistry, password?: string): RegistryClient {
    const made = clientOf(of, password);
    clients.push(made);
    return made;
  }

  /** copyImage from team/web in `source` to prod/web in `target`, its lines collected. */
  async function copy(
    source: FakeRegistry,
    target: FakeRegistry,
    options: Partial<CopyOptions> = {},
  ): Promise<{ copied: Awaited<ReturnType<typeof copyImage>>; lines: string[] }> {
    const lines: string[] = [];
    const copied = await copyImage({
      source: client(source),
      sourceRepository: "team/web",
      image: { tag: "1.0" },
      sourceReference: `docker://${source.host}/team/web:1.0`,
      target: client(target),
      targetRepository: "prod/web",
      tags: ["1.0"],
      onLine: (l) => lines.push(l),
      ...options,
    });
    return { copied, lines };
  }

  function twoPlatforms(): { amd64: TestImage; arm64: TestImage; index: Buffer; shared: Buffer } {
    const shared = Buffer.from("base layer, the same in both platforms");
    const amd64 = testImage("linux/amd64", [shared, Buffer.from("amd64 layer")]);
    const arm64 = testImage("linux/arm64/v8", [shared, Buffer.from("arm64 layer")]);
    const index = Buffer.from(
      JSON.stringify(
        {
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [descriptor(amd64, "linux/amd64"), descriptor(arm64, "linux/arm64/v8")],
          annotations: { "org.opencontainers.image.version": "2.0" },
        },
        null,
        2,
      ),
    );
    return { amd64, arm64, index, shared };
  }

  function seedIndex(source: FakeRegistry, images: ReturnType<typeof twoPlatforms>): void {
    seed(source, "team/web", images.amd64);
    seed(source, "team/web", images.arm64);
    source.manifests.set("2.0", { type: OCI_INDEX, bytes: images.index });
  }

  it("copies a single-platform image: every blob and the manifest byte for byte, then each tag", async () => {
    const source = await registry();
    const target = await registry();
    const image = testImage("linux/amd64", [Buffer.alloc(200_000, 1), Buffer.from("second layer")]);
    seed(source, "team/web", image, "1.0");

    const { copied, lines } = await copy(source, target, { tags: ["1.0", "stable"] });

    expect(copied).toEqual({
      digest: image.digest,
      sourceDigest: image.digest,
      mediaType: OCI_MANIFEST,
      imageSizeBytes: image.size,
      stats: {
        blobsCopied: 3,
        blobsSkipped: 0,
        blobsMounted: 0,
        bytesCopied: image.size,
        manifestsPut: 2,
      },
    });
    for (const blob of [image.config, ...image.layers]) {
      expect(target.blobs.get(sha256(blob))?.equals(blob)).toBe(true);
    }
    for (const tag of ["1.0", "stable", image.digest]) {
      expect(target.manifests.get(tag)?.bytes.equals(image.manifest)).toBe(true);
      expect(target.manifests.get(tag)?.type).toBe(OCI_MANIFEST);
    }
    // The source: the manifest by tag, then each blob once (in parallel, so in any order).
    const read = source.requests.map(line);
    expect(read[0]).toBe("GET /v2/team/web/manifests/1.0");
    expect(read.slice(1).sort()).toEqual(
      blobsOf(image)
        .map((d) => `GET /v2/team/web/blobs/${d}`)
        .sort(),
    );
    // The target: the blobs (no mount tried across registries), then the tags in the order given.
    const written = target.requests.map(line);
    expect(written.slice(0, -2).sort()).toEqual(
      blobsOf(image)
        .flatMap((d) => copiedBlob("prod/web", d))
        .sort(),
    );
    expect(written.slice(-2)).toEqual([
      "PUT /v2/prod/web/manifests/1.0",
      "PUT /v2/prod/web/manifests/stable",
    ]);
    expect(target.requests.slice(-2).map((r) => r.contentType)).toEqual([OCI_MANIFEST, OCI_MANIFEST]);
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => pushedLine.test(l))).toBe(true);
    expect(lines.map((l) => l.slice(0, 12)).sort()).toEqual(blobsOf(image).map(short).sort());
  });

  it("skips the blobs the target already has (HEAD), without reading them from the source", async () => {
    const source = await registry();
    const target = await registry();
    const missing = Buffer.from("the one new layer");
    const image = testImage("linux/amd64", [Buffer.from("base layer"), missing]);
    seed(source, "team/web", image, "1.0");
    target.addBlob("prod/web", image.config);
    target.addBlob("prod/web", image.layers[0] as Buffer);

    const { copied, lines } = await copy(source, target);

    expect(copied.stats).toEqual({
      blobsCopied: 1,
      blobsSkipped: 2,
      blobsMounted: 0,
      bytesCopied: missing.length,
      manifestsPut: 1,
    });
    // The size is the image's, whatever had to move.
    expect(copied.imageSizeBytes).toBe(image.size);
    expect(source.requests.map(line).sort()).toEqual(
      ["GET /v2/team/web/manifests/1.0", `GET /v2/team/web/blobs/${sha256(missing)}`].sort(),
    );
    const written = target.requests.map(line);
    expect(written.slice(0, -1).sort()).toEqual(
      [
        `HEAD /v2/prod/web/blobs/${sha256(image.config)}`,
        `HEAD /v2/prod/web/blobs/${sha256(image.layers[0] as Buffer)}`,
        ...copiedBlob("prod/web", sha256(missing)),
      ].sort(),
    );
    expect(written.at(-1)).toBe("PUT /v2/prod/web/manifests/1.0");
    expect(lines.filter((l) => l.endsWith(": Already exists")).sort()).toEqual(
      [
        `${short(sha256(image.config))}: Already exists`,
        `${short(sha256(image.layers[0] as Buffer))}: Already exists`,
      ].sort(),
    );
    expect(lines.filter((l) => pushedLine.test(l)).map((l) => l.slice(0, 12))).toEqual([
      short(sha256(missing)),
    ]);
  });

  it("mounts every blob from the source repository when the target is the same registry and it mounts (201)", async () => {
    const shared = await registry();
    shared.perRepository = true;
    shared.mounts = true;
    const image = testImage("linux/amd64", [Buffer.from("layer one"), Buffer.from("layer two")]);
    seed(shared, "team/web", image, "1.0");

    const { copied, lines } = await copy(shared, shared);

    expect(copied.stats).toEqual({
      blobsCopied: 0,
      blobsSkipped: 0,
      blobsMounted: 3,
      bytesCopied: 0,
      manifestsPut: 1,
    });
    expect(shared.mounted.map((m) => `${m.repository} ${m.digest} ${m.from}`).sort()).toEqual(
      blobsOf(image)
        .map((d) => `prod/web ${d} team/web`)
        .sort(),
    );
    // Per blob a HEAD (absent from prod/web) and the mount's POST: no GET of a blob, no PATCH.
    const requests = shared.requests.map(line);
    expect(requests[0]).toBe("GET /v2/team/web/manifests/1.0");
    expect(requests.slice(1, -1).sort()).toEqual(
      blobsOf(image)
        .flatMap((d) => [`HEAD /v2/prod/web/blobs/${d}`, "POST /v2/prod/web/blobs/uploads/"])
        .sort(),
    );
    expect(requests.at(-1)).toBe("PUT /v2/prod/web/manifests/1.0");
    expect(lines.sort()).toEqual(
      blobsOf(image)
        .map((d) => `${short(d)}: Mounted from team/web`)
        .sort(),
    );
    for (const digest of blobsOf(image)) expect(shared.hasBlobIn("prod/web", digest)).toBe(true);
  });

  it("copies the blobs when the same registry answers a mount with a plain upload (202)", async () => {
    const shared = await registry();
    shared.perRepository = true;
    const image = testImage("linux/amd64", [Buffer.from("layer one")]);
    seed(shared, "team/web", image, "1.0");

    const { copied } = await copy(shared, shared);

    expect(copied.stats).toMatchObject({ blobsCopied: 2, blobsMounted: 0, blobsSkipped: 0 });
    expect(shared.mounted).toEqual([]);
    const requests = shared.requests.map(line).filter((l) => l.includes("/prod/web/blobs"));
    // The mount's POST, whose session is left to expire, then the upload's own three requests.
    expect(requests.sort()).toEqual(
      blobsOf(image)
        .flatMap((d) => [`POST /v2/prod/web/blobs/uploads/`, ...copiedBlob("prod/web", d)])
        .sort(),
    );
    for (const digest of blobsOf(image)) expect(shared.hasBlobIn("prod/web", digest)).toBe(true);
  });

  it("copies an index whole: each child's blobs, the child PUT by digest, then the index under the tag", async () => {
    const source = await registry();
    const target = await registry();
    const images = twoPlatforms();
    const { amd64, arm64, index, shared } = images;
    seedIndex(source, images);

    const { copied, lines } = await copy(source, target, { image: { tag: "2.0" }, tags: ["2.0"] });

    expect(copied).toEqual({
      digest: sha256(index),
      sourceDigest: sha256(index),
      mediaType: OCI_INDEX,
      // Each platform's config and layers: the shared layer counts in both.
      imageSizeBytes: amd64.size + arm64.size,
      stats: {
        blobsCopied: 5,
        blobsSkipped: 0,
        blobsMounted: 0,
        bytesCopied: amd64.size + arm64.size - shared.length,
        manifestsPut: 3,
      },
    });
    expect(target.manifests.get("2.0")?.bytes.equals(index)).toBe(true);
    expect(target.manifests.get(amd64.digest)?.bytes.equals(amd64.manifest)).toBe(true);
    expect(target.manifests.get(arm64.digest)?.bytes.equals(arm64.manifest)).toBe(true);

    // amd64's three blobs, its manifest; arm64's two new blobs (the shared one is done), its
    // manifest; the index last.
    const written = target.requests.map(line);
    const amdPut = written.indexOf(`PUT /v2/prod/web/manifests/${amd64.digest}`);
    const armPut = written.indexOf(`PUT /v2/prod/web/manifests/${arm64.digest}`);
    expect(written.slice(0, amdPut).sort()).toEqual(
      blobsOf(amd64)
        .flatMap((d) => copiedBlob("prod/web", d))
        .sort(),
    );
    expect(written.slice(amdPut + 1, armPut).sort()).toEqual(
      [sha256(arm64.config), sha256(arm64.layers[1] as Buffer)]
        .flatMap((d) => copiedBlob("prod/web", d))
        .sort(),
    );
    expect(written.slice(armPut + 1)).toEqual(["PUT /v2/prod/web/manifests/2.0"]);
    expect(target.requests.filter((r) => r.path.includes("/manifests/")).map((r) => r.contentType)).toEqual([
      OCI_MANIFEST,
      OCI_MANIFEST,
      OCI_INDEX,
    ]);

    // The source: the index, then each child's manifest by digest before its blobs.
    const read = source.requests.map(line);
    expect(read.filter((l) => l.includes("/manifests/"))).toEqual([
      "GET /v2/team/web/manifests/2.0",
      `GET /v2/team/web/manifests/${amd64.digest}`,
      `GET /v2/team/web/manifests/${arm64.digest}`,
    ]);
    expect(read.filter((l) => l.includes("/blobs/"))).toHaveLength(5);
    expect(lines.filter((l) => !pushedLine.test(l))).toEqual([
      `${short(amd64.digest)}: Manifest linux/amd64`,
      `${short(arm64.digest)}: Manifest linux/arm64/v8`,
    ]);
  });

  it("copies one platform asked for as that image manifest alone, whose digest it reports", async () => {
    const source = await registry();
    const target = await registry();
    const images = twoPlatforms();
    const { amd64, arm64, index } = images;
    seedIndex(source, images);

    const { copied, lines } = await copy(source, target, {
      image: { tag: "2.0" },
      tags: ["2.0"],
      platforms: [{ os: "linux", architecture: "amd64" }],
    });

    // No index is left: the tag names the amd64 image manifest itself (what Lambda accepts).
    expect(copied).toEqual({
      digest: amd64.digest,
      sourceDigest: sha256(index),
      mediaType: OCI_MANIFEST,
      imageSizeBytes: amd64.size,
      stats: { blobsCopied: 3, blobsSkipped: 0, blobsMounted: 0, bytesCopied: amd64.size, manifestsPut: 1 },
      note: `Only the linux/amd64 image of the index was copied, so the digest is that image manifest's (${amd64.digest}), not the index's (${sha256(index)}).`,
    });
    expect(target.manifests.get("2.0")).toEqual({ type: OCI_MANIFEST, bytes: amd64.manifest });
    expect(target.manifests.has(arm64.digest)).toBe(false);
    expect(target.requests.map(line).filter((l) => l.includes("/manifests/"))).toEqual([
      "PUT /v2/prod/web/manifests/2.0",
    ]);
    // Nothing of arm64 is read.
    expect(
      source.requests.map(line).filter((l) => l.includes(arm64.digest) || l.includes(sha256(arm64.config))),
    ).toEqual([]);
    expect(lines.filter((l) => !pushedLine.test(l))).toEqual([]);
  });

  it("copies several platforms as a filtered index with the other fields kept", async () => {
    const source = await registry();
    const target = await registry();
    const images = twoPlatforms();
    const { amd64, arm64, index } = images;
    seedIndex(source, images);
    const { copied } = await copy(source, target, {
      image: { tag: "2.0" },
      tags: ["2.0"],
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
      ],
    });
    // Every platform asked for is there: the index is kept byte for byte.
    expect(copied.digest).toBe(sha256(index));
    expect(copied.note).toBeUndefined();
    expect(target.manifests.has(amd64.digest) && target.manifests.has(arm64.digest)).toBe(true);
  });

  it("keeps every variant of a platform named without one, and refuses a platform the index lacks", async () => {
    const source = await registry();
    const target = await registry();
    const images = twoPlatforms();
    seedIndex(source, images);

    const { copied } = await copy(source, target, {
      image: { tag: "2.0" },
      tags: ["2.0"],
      platforms: [{ os: "linux", architecture: "arm64" }],
    });
    // linux/arm64 names one image (linux/arm64/v8): that image alone.
    expect(copied.stats.manifestsPut).toBe(1);
    expect(copied.digest).toBe(images.arm64.digest);

    const before = target.requests.length;
    await expect(
      copy(source, target, {
        image: { tag: "2.0" },
        tags: ["2.0"],
        platforms: [{ os: "windows", architecture: "amd64" }],
        sourceReference: `docker://${source.host}/team/web:2.0`,
        names: { source: "SOURCE", platform: "--platform" },
      }),
    ).rejects.toThrow(
      `Invalid --platform "windows/amd64": docker://${source.host}/team/web:2.0 has no such platform (it has linux/amd64, linux/arm64/v8), so pick one of those.`,
    );
    expect(target.requests.length).toBe(before);
  });

  it("fails in one sentence when the source tag does not exist, writing nothing", async () => {
    const source = await registry();
    const target = await registry();
    const failure = (await copy(source, target, {
      image: { tag: "nope" },
      sourceReference: `docker://${source.host}/team/web:nope`,
    }).catch((e: unknown) => e)) as EcrPushError;
    expect(failure.message).toBe(
      `The source image docker://${source.host}/team/web:nope was not found in ${source.host}: check SOURCE.`,
    );
    expect(failure.code).toBe("SourceImageNotFound");
    expect(source.requests.map(line)).toEqual(["GET /v2/team/web/manifests/nope"]);
    expect(target.requests).toEqual([]);
  });

  it("reports a source refusing its credentials as the source's, in one sentence", async () => {
    const source = await registry();
    const target = await registry();
    const lines: string[] = [];
    const failure = (await copyImage({
      source: client(source, "wrong-password"),
      sourceRepository: "team/web",
      image: { tag: "1.0" },
      sourceReference: `docker://${source.host}/team/web:1.0`,
      target: client(target),
      targetRepository: "prod/web",
      tags: ["1.0"],
      onLine: (l) => lines.push(l),
    }).catch((e: unknown) => e)) as EcrPushError;
    expect(failure.message).toBe(
      `The source registry ${source.host} refused to let team/web be read: check the source credentials and that they may pull from this repository.`,
    );
    expect(failure.code).toBe("SourceRefused");
    expect(target.requests).toEqual([]);
  });

  it("fails when an index names a manifest the source does not have, tagging nothing", async () => {
    const source = await registry();
    const target = await registry();
    const images = twoPlatforms();
    seedIndex(source, images);
    source.manifests.delete(images.arm64.digest);

    await expect(
      copy(source, target, {
        image: { tag: "2.0" },
        tags: ["2.0"],
        sourceReference: `docker://${source.host}/team/web:2.0`,
      }),
    ).rejects.toThrow(
      `The source index docker://${source.host}/team/web:2.0 names a manifest ${images.arm64.digest} the source registry does not have: check that the source image is complete.`,
    );
    expect(target.manifests.has("2.0")).toBe(false);
  });

  it("puts no tag when a blob upload fails, and still finishes the other blobs", async () => {
    const source = await registry();
    const target = await registry();
    const image = testImage("linux/amd64", [Buffer.from("layer one"), Buffer.from("layer two")]);
    seed(source, "team/web", image, "1.0");
    let commits = 0;
    target.fail = (r) =>
      r.method === "PUT" && r.path.includes("/blobs/uploads/") && commits++ === 0
        ? { status: 400, code: "BLOB_UPLOAD_INVALID", message: "the upload was refused" }
        : undefined;

    const failure = (await copy(source, target, { tags: ["1.0", "stable"] }).catch(
      (e: unknown) => e,
    )) as EcrPushError;
    const refused =
      /^The registry (\S+) rejected the data while uploading blob (sha256:[a-f0-9]{64}) \(the upload was refused\): the source may have changed or be corrupt, so recreate it and push again\.$/.exec(
        failure.message,
      );
    expect(refused?.[1]).toBe(target.host);
    expect(blobsOf(image)).toContain(refused?.[2]);
    expect(failure.code).toBe("BlobRejected");

    // The blobs already under way go on (a failure drops nothing); no manifest is ever put.
    await vi.waitFor(() =>
      expect(
        target.requests.filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/")),
      ).toHaveLength(3),
    );
    expect(target.requests.filter((r) => r.path.includes("/manifests/"))).toEqual([]);
    expect(target.manifests.size).toBe(0);
    expect(blobsOf(image).filter((d) => target.blobs.has(d))).toEqual(
      blobsOf(image).filter((d) => d !== refused?.[2]),
    );
  });
});
