import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { openDockerArchive } from "../../../src/sources/docker-archive.js";
import { isRawLayer, type RawLayer } from "../../../src/sources/types.js";
import { sha256, type TarMember, tar } from "./tar-writer.js";

const dir = mkdtempSync(path.join(tmpdir(), "archive-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ctx = (file: string) => ({ reference: `docker-archive:${file}`, inputName: "SOURCE" });

function image(name: string, tags: string[], layers: string[]) {
  const config = JSON.stringify({ rootfs: { type: "layers", diff_ids: layers.map((l) => sha256(l)) } });
  const members: TarMember[] = layers.map((data, i) => ({ name: `${name}${i}/layer.tar`, data }));
  members.push({ name: `${name}.json`, data: config });
  return {
    members,
    entry: { Config: `${name}.json`, RepoTags: tags, Layers: layers.map((_, i) => `${name}${i}/layer.tar`) },
    id: sha256(config),
  };
}

function archive(file: string, images: ReturnType<typeof image>[], extra: TarMember[] = []) {
  const members = images.flatMap((i) => i.members);
  members.push(...extra, { name: "manifest.json", data: JSON.stringify(images.map((i) => i.entry)) });
  const full = path.join(dir, file);
  writeFileSync(full, tar(members));
  return full;
}

const read = async (layer: RawLayer) => {
  const chunks: Buffer[] = [];
  for await (const chunk of layer.open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

describe("openDockerArchive", () => {
  const web = image("web", ["web:1"], ["layer-one", "layer-two"]);
  const api = image("api", ["docker.io/library/api:latest"], ["layer-api"]);

  it("reads the only image: its ID, config and raw layers streamed in place", async () => {
    const file = archive("one.tar", [web]);
    const opened = await openDockerArchive(file, undefined, ctx(file));
    expect(opened.id).toBe(web.id);
    if (opened.artifact.kind !== "layers") throw new Error("expected layers");
    expect(opened.artifact.config.descriptor.digest).toBe(web.id);
    const layers = opened.artifact.layers.filter(isRawLayer);
    expect(layers.map((l) => l.diffId)).toEqual([sha256("layer-one"), sha256("layer-two")]);
    expect(await read(layers[1] as RawLayer)).toBe("layer-two");
  });

  it("picks one of several images by name:tag, with Docker Hub names shortened", async () => {
    const file = archive("two.tar", [web, api]);
    expect((await openDockerArchive(file, "api", ctx(file))).id).toBe(api.id);
    expect((await openDockerArchive(file, "web:1", ctx(file))).id).toBe(web.id);
    await expect(openDockerArchive(file, undefined, ctx(file))).rejects.toMatchObject({
      kind: "input",
      message: `docker-archive:${file} holds 2 images (it has web:1, api:latest): add :name:tag to the path in SOURCE.`,
    });
    await expect(openDockerArchive(file, "web:2", ctx(file))).rejects.toThrow(
      /has no image web:2 \(it has web:1, api:latest\)/,
    );
  });

  it("sends an already gzipped layer as it is, with its digest", async () => {
    const gz = gzipSync("zipped");
    const zipped = image("z", ["z:1"], ["x"]);
    (zipped.members[0] as TarMember).data = gz;
    const file = archive("gz.tar", [zipped]);
    const opened = await openDockerArchive(file, undefined, ctx(file));
    if (opened.artifact.kind !== "layers") throw new Error("expected layers");
    const layer = opened.artifact.layers[0];
    expect(layer && !isRawLayer(layer) && layer.descriptor).toMatchObject({
      digest: sha256(gz),
      size: gz.length,
    });
  });

  it("says what is wrong with a missing, compressed or damaged archive", async () => {
    await expect(
      openDockerArchive(path.join(dir, "none.tar"), undefined, ctx("none.tar")),
    ).rejects.toMatchObject({
      kind: "input",
      message: "Cannot read docker-archive:none.tar (it does not exist): check SOURCE.",
    });
    const zipped = path.join(dir, "whole.tar.gz");
    writeFileSync(zipped, gzipSync(tar([{ name: "manifest.json", data: "[]" }])));
    await expect(openDockerArchive(zipped, undefined, ctx("x.tar.gz"))).rejects.toMatchObject({
      kind: "failure",
      code: "SourceCorrupt",
      message: expect.stringMatching(/is not a valid image source \(it is compressed\): decompress it first/),
    });
    const noManifest = path.join(dir, "nomanifest.tar");
    writeFileSync(noManifest, tar([{ name: "a", data: "b" }]));
    await expect(openDockerArchive(noManifest, undefined, ctx("n.tar"))).rejects.toThrow(
      "docker-archive:n.tar is not a valid image source (the member manifest.json is missing): write it again with docker save.",
    );
    const missingLayer = archive("missing-layer.tar", [{ ...web, members: web.members.slice(1) }]);
    await expect(openDockerArchive(missingLayer, undefined, ctx("m.tar"))).rejects.toThrow(
      /the layer web0\/layer.tar is missing/,
    );
  });
});
