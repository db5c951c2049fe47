import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ImageExport } from "../../../src/engine/docker/engine.js";
import { pushExport } from "../../../src/engine/registry/export.js";
import { SpoolFolder } from "../../../src/engine/registry/spool.js";
import type { Descriptor } from "../../../src/oci/index.js";
import { clientOf, FakeRegistry } from "../registry/fake-registry.js";
import { sha256, tar } from "../sources/tar-writer.js";

const dir = mkdtempSync(path.join(tmpdir(), "export-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/** What `docker save` of a Windows image writes: a foreign base layer, named only in manifest.json. */
function windowsExport() {
  const base = "windows base layer ".repeat(4000);
  const app = "app layer ".repeat(3000);
  const diffIds = [sha256(base), sha256(app)];
  const config = JSON.stringify({ os: "windows", rootfs: { type: "layers", diff_ids: diffIds } });
  const id = sha256(config);
  const foreign: Descriptor = {
    mediaType: FOREIGN,
    size: 123456,
    digest: sha256("the base layer as its owner publishes it"),
    urls: ["https://mcr.example/base.tar.gz"],
  };
  const manifest = [
    {
      Config: `${id.slice(7)}.json`,
      RepoTags: ["w:1"],
      Layers: ["b/layer.tar", "a/layer.tar"],
      LayerSources: { [diffIds[0] as string]: foreign },
    },
  ];
  // Lexical order, as docker save writes it: the app's folder before the base's, manifest.json last.
  const bytes = tar([
    { name: "a/layer.tar", data: app },
    { name: "b/layer.tar", data: base },
    { name: `${id.slice(7)}.json`, data: config },
    { name: "manifest.json", data: JSON.stringify(manifest) },
  ]);
  const source: ImageExport = {
    stream: Readable.from([bytes]),
    done: Promise.resolve(),
    kill: () => {},
    command: "docker save w:1",
  };
  return { source, id, diffIds, foreign, app };
}

describe("pushExport", () => {
  let registry: FakeRegistry;
  let spool: SpoolFolder;
  beforeEach(async () => {
    registry = await FakeRegistry.start();
    spool = await SpoolFolder.create(dir);
  });
  afterEach(async () => {
    await spool.close();
    await registry.close();
  });

  it("keeps a Windows image's foreign layer as its descriptor, never uploaded, as docker push does", async () => {
    const { source, id, diffIds, foreign, app } = windowsExport();
    const client = clientOf(registry);
    const learned = new Map<string, Descriptor>();
    try {
      const pushed = await pushExport(source, {
        client,
        repository: "team/win",
        image: { id, diffIds, deferLayers: true },
        known: new Map(),
        learned,
        spool,
        concurrency: 2,
      });
      const manifest = JSON.parse(pushed.bytes.toString());
      expect(manifest.config.digest).toBe(id);
      expect(manifest.layers[0]).toEqual(foreign);
      const appLayer = manifest.layers[1];
      expect(appLayer.mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar.gzip");
      // Only the app layer and the config reached the registry.
      expect([...registry.blobs.keys()].sort()).toEqual([appLayer.digest, id].sort());
      expect(gunzipSync(registry.blobs.get(appLayer.digest) as Buffer).toString()).toBe(app);
      expect(learned.has(diffIds[0] as string)).toBe(false);
    } finally {
      client.close();
    }
    expect(readdirSync(dir).flatMap((d) => readdirSync(path.join(dir, d)))).toEqual([]);
  });
});
