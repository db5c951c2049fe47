import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { RegistryEngine } from "../../../src/engine/registry/engine.js";
import { pushArtifact } from "../../../src/engine/registry/push.js";
import type { PushProgress, Transfer } from "../../../src/ports/index.js";
import type { RegistryClient } from "../../../src/registry/index.js";
import { openDockerArchive } from "../../../src/sources/docker-archive.js";
import type { Artifact, StoredBlob } from "../../../src/sources/types.js";
import { clientOf, FakeRegistry } from "../registry/fake-registry.js";
import { sha256, tar } from "../sources/tar-writer.js";

const dir = mkdtempSync(path.join(tmpdir(), "push-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A docker-archive with `n` distinct raw layers. */
async function archive(n: number) {
  const layers = Array.from({ length: n }, (_, i) => `layer ${i} `.repeat(1000 + i));
  const config = JSON.stringify({ rootfs: { type: "layers", diff_ids: layers.map((l) => sha256(l)) } });
  const file = path.join(dir, `${n}-${Math.random()}.tar`);
  writeFileSync(
    file,
    tar([
      ...layers.map((data, i) => ({ name: `l${i}/layer.tar`, data })),
      { name: "c.json", data: config },
      {
        name: "manifest.json",
        data: JSON.stringify([
          { Config: "c.json", RepoTags: ["w:1"], Layers: layers.map((_, i) => `l${i}/layer.tar`) },
        ]),
      },
    ]),
  );
  const opened = await openDockerArchive(file, undefined, { reference: file, inputName: "SOURCE" });
  return { artifact: opened.artifact, layers, configDigest: sha256(config) };
}

const blob = (data: string, mediaType = "application/vnd.oci.image.layer.v1.tar+gzip"): StoredBlob => ({
  descriptor: { mediaType, digest: sha256(data), size: Buffer.byteLength(data) },
  open: () => Readable.from([Buffer.from(data)]),
});

function image(name: string): Extract<Artifact, { kind: "manifest" }> {
  const config = blob(`config ${name}`, "application/vnd.oci.image.config.v1+json");
  const layers = [blob(`a ${name}`), blob(`b ${name}`)];
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: config.descriptor,
      layers: layers.map((l) => l.descriptor),
    }),
  );
  return {
    kind: "manifest",
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    bytes,
    digest: sha256(bytes.toString()),
    config,
    layers,
  };
}

describe("pushArtifact", () => {
  let registry: FakeRegistry;
  let client: RegistryClient;
  const lines: string[] = [];
  const ctx = (concurrency = 4) => ({
    client,
    repository: "team/web",
    concurrency,
    onProgress: (p: PushProgress) => p.line && lines.push(p.line),
  });
  beforeEach(async () => {
    registry = await FakeRegistry.start();
    client = clientOf(registry);
    lines.length = 0;
  });
  afterEach(async () => {
    client.close();
    await registry.close();
  });

  it("gzips docker-archive layers on the way, config last, and builds a Docker v2 manifest of what was sent", async () => {
    const { artifact, layers, configDigest } = await archive(3);
    const pushed = await pushArtifact(artifact, ctx());
    const manifest = JSON.parse(pushed.bytes.toString());
    expect(pushed.digest).toBe(sha256(pushed.bytes.toString()));
    expect(manifest.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(manifest.config.digest).toBe(configDigest);
    for (const [i, layer] of manifest.layers.entries()) {
      expect(layer.mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar.gzip");
      expect(gunzipSync(registry.blobs.get(layer.digest) as Buffer).toString()).toBe(layers[i]);
    }
    const puts = registry.requests.filter((r) => r.method === "PUT").map((r) => r.path);
    expect(puts).toHaveLength(4);
    expect(registry.requests.filter((r) => r.method === "HEAD").at(-1)?.path).toContain(configDigest);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^[a-f0-9]{12}: Pushed \d+\.\d MiB in \d+\.\d s \(\d+\.\d MiB\/s\)$/);
  });

  it("reports each upload's bytes, ending with a done update of the whole blob", async () => {
    const { artifact } = await archive(2);
    const transfers: Transfer[] = [];
    await pushArtifact(artifact, {
      ...ctx(),
      onProgress: (p: PushProgress) => p.transfer && transfers.push(p.transfer),
    });
    const done = transfers.filter((t) => t.done);
    // Two layers and the config, each finished once with its full size.
    expect(done).toHaveLength(3);
    for (const t of done) {
      expect(t.id).toMatch(/^[a-f0-9]{12}$/);
      expect(t.bytes).toBe(t.total);
    }
  });

  it("sends no layer the repository is known to hold: a warm re-push uploads nothing", async () => {
    const { artifact } = await archive(2);
    const learned = new Map();
    const first = await pushArtifact(artifact, { ...ctx(), learned });
    expect(learned.size).toBe(2);
    registry.requests.length = 0;
    lines.length = 0;
    const again = await pushArtifact(artifact, { ...ctx(), known: learned });
    expect(again.digest).toBe(first.digest);
    expect(registry.requests.filter((r) => r.method !== "HEAD" && r.method !== "GET")).toEqual([]);
    expect(lines.every((l) => l.endsWith("Layer already exists"))).toBe(true);
  });

  it("skips stored blobs the repository has and bounds parallel uploads", async () => {
    const one = image("one");
    await pushArtifact(one, ctx());
    registry.requests.length = 0;
    const many: Artifact = { ...one, layers: Array.from({ length: 6 }, (_, i) => blob(`layer ${i}`)) };
    await pushArtifact(many, ctx(2));
    expect(registry.maxConcurrentPatches).toBe(2);
    expect(registry.requests.filter((r) => r.method === "PATCH")).toHaveLength(6);
  });

  it("uploads no config and leaves the tag alone when a layer fails", async () => {
    const { artifact, configDigest } = await archive(2);
    let calls = 0;
    registry.fail = (r) =>
      r.method === "PATCH" && calls++ === 0
        ? { status: 400, code: "BLOB_UPLOAD_INVALID", message: "bad" }
        : undefined;
    await expect(pushArtifact(artifact, ctx(1))).rejects.toMatchObject({ code: "BlobRejected" });
    expect(registry.blobs.has(configDigest)).toBe(false);
    expect(registry.requests.some((r) => r.method === "PUT" && r.path.includes("/manifests/"))).toBe(false);
  });

  it("puts no manifest when the registry answers a blob commit with another digest", async () => {
    const { artifact, configDigest } = await archive(2);
    const wrong = sha256("not what was sent");
    registry.reportDigest = (r, digest) => (r.path.includes("/blobs/uploads/") ? wrong : digest);
    await expect(pushArtifact(artifact, ctx(1))).rejects.toMatchObject({
      code: "RegistryDigestMismatch",
      message: expect.stringMatching(
        new RegExp(
          `^The registry 127\\.0\\.0\\.1:\\d+ answered the upload of blob sha256:[a-f0-9]{64} to team/web with digest ${wrong}: the data changed on the way, so nothing was tagged; check for a proxy or gateway that rewrites registry traffic, then push again\\.$`,
        ),
      ),
    });
    expect(registry.blobs.has(configDigest)).toBe(false);
    expect(
      registry.requests.filter((r) => r.path.includes("/blobs/uploads/") && r.method === "PUT"),
    ).toHaveLength(1);
    expect(registry.requests.some((r) => r.path.includes("/manifests/") && r.method === "PUT")).toBe(false);
  });

  it("the engine fails the push when the registry stores the tagged manifest under another digest", async () => {
    const file = path.join(dir, `engine-${Math.random()}.tar`);
    const data = "layer of the engine test ".repeat(100);
    const config = JSON.stringify({ rootfs: { type: "layers", diff_ids: [sha256(data)] } });
    writeFileSync(
      file,
      tar([
        { name: "l0/layer.tar", data },
        { name: "c.json", data: config },
        {
          name: "manifest.json",
          data: JSON.stringify([{ Config: "c.json", RepoTags: ["w:1"], Layers: ["l0/layer.tar"] }]),
        },
      ]),
    );
    const wrong = sha256("a rewritten manifest");
    registry.reportDigest = (r, digest) => (r.path.includes("/manifests/") ? wrong : digest);
    const engine = new RegistryEngine({
      source: { kind: "docker-archive", path: file, reference: file },
      sourceInputName: "SOURCE",
      retryDelayMs: 1,
    });
    await engine.inspect(file);
    await engine.login(registry.host, "AWS", registry.password);
    const pushing = engine.push(`${registry.host}/team/web:v2`);
    await expect(pushing).rejects.toMatchObject({
      code: "RegistryDigestMismatch",
      message: expect.stringMatching(
        new RegExp(
          `^The registry 127\\.0\\.0\\.1:\\d+ answered the manifest sha256:[a-f0-9]{64} put to team/web:v2 with digest ${wrong}: the manifest changed on the way or in the registry, and the tag v2 may already point at what the registry stored; check for a proxy or gateway that rewrites registry traffic, then push again\\.$`,
        ),
      ),
    });
    // One PUT of the manifest, not retried; the digest the sentence names is that of the bytes sent.
    const puts = registry.requests.filter((r) => r.path.endsWith("/manifests/v2") && r.method === "PUT");
    expect(puts).toHaveLength(1);
    const sent = registry.manifests.get("v2")?.bytes.toString() ?? "";
    expect(((await pushing.catch((e: Error) => e)) as Error).message).toContain(sha256(sent));
    await engine.dispose();
  });

  it("puts every child of an index by digest before returning the index", async () => {
    const children = [image("amd64"), image("arm64")];
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.bytes.length })),
      }),
    );
    const index: Artifact = {
      kind: "index",
      mediaType: "application/vnd.oci.image.index.v1+json",
      bytes,
      digest: sha256(bytes.toString()),
      children,
    };
    const pushed = await pushArtifact(index, ctx());
    expect(pushed.digest).toBe(index.digest);
    const manifestPuts = registry.requests.filter((r) => r.path.includes("/manifests/"));
    expect(manifestPuts.map((r) => r.path.split("/").at(-1))).toEqual(children.map((c) => c.digest));
    expect(manifestPuts.every((r) => r.contentType === "application/vnd.oci.image.manifest.v1+json")).toBe(
      true,
    );
  });
});
