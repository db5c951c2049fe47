import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MEDIA_TYPES, missingReferences, parseManifest } from "../../src/store/manifest.js";
import { Store } from "../../src/store/store.js";

const digestOf = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
const CONFIG = '{"architecture":"amd64","os":"linux"}';
const LAYER = "layer bytes";

function imageManifest(mediaType: string = MEDIA_TYPES.ociManifest): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: digestOf(CONFIG),
      size: CONFIG.length,
    },
    layers: [
      {
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        digest: digestOf(LAYER),
        size: LAYER.length,
      },
    ],
  });
}

describe("parseManifest", () => {
  it("lists the config and layers of an image manifest", () => {
    const info = parseManifest(Buffer.from(imageManifest()));
    expect(info.mediaType).toBe(MEDIA_TYPES.ociManifest);
    expect(info.blobs.map((b) => b.digest)).toEqual([digestOf(CONFIG), digestOf(LAYER)]);
    expect(info.artifactMediaType).toBe("application/vnd.oci.image.config.v1+json");
  });

  it("lists the children of an index", () => {
    const child = digestOf(imageManifest());
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [{ digest: child, size: 10 }],
    };
    const info = parseManifest(Buffer.from(JSON.stringify(index)));
    expect(info.manifests.map((m) => m.digest)).toEqual([child]);
  });

  it("rejects bad JSON, a type mismatch and unsupported types", () => {
    expect(() => parseManifest(Buffer.from("{"))).toThrow(/Invalid JSON/);
    expect(() => parseManifest(Buffer.from(imageManifest()), MEDIA_TYPES.dockerManifest)).toThrow(
      /does not match/,
    );
    expect(() => parseManifest(Buffer.from(imageManifest("application/json")))).toThrow(/unsupported/);
  });

  it("reports missing references, skipping foreign layers", () => {
    const info = parseManifest(Buffer.from(imageManifest()));
    info.blobs.push({ digest: digestOf("foreign"), size: 1, urls: ["https://example.com/l"] });
    expect(
      missingReferences(
        info,
        (d) => d === digestOf(CONFIG),
        () => true,
      ),
    ).toEqual({
      blobs: [digestOf(LAYER)],
      manifests: [],
    });
  });
});

describe("Store.putImage", () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ecr-local-unit-"));
    store = new Store(dir, "123456789012");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function repoWithBlobs(mutability: "MUTABLE" | "IMMUTABLE") {
    const repo = store.create("app", {
      imageTagMutability: mutability,
      scanOnPush: false,
      encryptionType: "AES256",
      tags: [],
    });
    for (const content of [CONFIG, LAYER])
      store.addBlob(repo, store.blobs.write(Buffer.from(content)), content.length);
    return repo;
  }

  it("refuses a manifest whose layers were not pushed", () => {
    const repo = store.create("app", {
      imageTagMutability: "MUTABLE",
      scanOnPush: false,
      encryptionType: "AES256",
      tags: [],
    });
    expect(() => store.putImage(repo, Buffer.from(imageManifest()), { tag: "v1" })).toThrow(
      expect.objectContaining({ code: "LayersNotFoundException" }),
    );
  });

  it("stores, tags, sizes and persists an image", () => {
    const repo = repoWithBlobs("MUTABLE");
    const { image, changed } = store.putImage(repo, Buffer.from(imageManifest()), { tag: "v1" });
    expect(changed).toBe(true);
    expect(image.sizeInBytes).toBe(CONFIG.length + LAYER.length);
    expect(store.putImage(repo, Buffer.from(imageManifest()), { tag: "v1" }).changed).toBe(false);
    const reloaded = new Store(dir, "123456789012");
    expect(reloaded.find("app")?.imageTags.v1).toBe(image.digest);
  });

  it("keeps immutable tags where they point", () => {
    const repo = repoWithBlobs("IMMUTABLE");
    store.putImage(repo, Buffer.from(imageManifest()), { tag: "v1" });
    const other = imageManifest(MEDIA_TYPES.ociManifest).replace("amd64", "x");
    expect(() =>
      store.putImage(repo, Buffer.from(JSON.stringify({ ...JSON.parse(other), annotations: { a: "b" } })), {
        tag: "v1",
      }),
    ).toThrow(expect.objectContaining({ code: "ImageTagAlreadyExistsException" }));
  });

  it("deletes by tag (the image goes with its last tag) and by digest", () => {
    const repo = repoWithBlobs("MUTABLE");
    const { image } = store.putImage(repo, Buffer.from(imageManifest()), { tag: "v1" });
    store.putImage(repo, Buffer.from(imageManifest()), { tag: "v2" });
    expect(store.deleteImage(repo, { imageTag: "v1" })).toEqual({
      imageDigest: image.digest,
      imageTag: "v1",
    });
    expect(repo.images[image.digest]).toBeDefined();
    expect(store.deleteImage(repo, { imageTag: "v2" })).toBeDefined();
    expect(repo.images[image.digest]).toBeUndefined();
  });
});
