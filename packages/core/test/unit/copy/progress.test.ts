import { createHash, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { copyImage } from "../../../src/copy/copy-image.js";
import type { Transfer } from "../../../src/ports/index.js";
import { clientOf, FakeRegistry } from "../registry/fake-registry.js";

const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

describe("copyImage progress", () => {
  const registries: FakeRegistry[] = [];
  afterEach(async () => {
    for (const r of registries.splice(0)) await r.close();
  });

  it("reports each copied blob's bytes as it streams, and a line with its size and rate", async () => {
    const source = await FakeRegistry.start();
    const target = await FakeRegistry.start();
    registries.push(source, target);
    const layer = randomBytes(300_000);
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    for (const blob of [layer, config]) source.blobs.set(sha256(blob), blob);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: sha256(config),
          size: config.length,
        },
        layers: [
          {
            mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
            digest: sha256(layer),
            size: layer.length,
          },
        ],
      }),
    );
    source.manifests.set("1", { type: "application/vnd.oci.image.manifest.v1+json", bytes: manifest });

    const transfers: Transfer[] = [];
    const lines: string[] = [];
    const copied = await copyImage({
      source: clientOf(source),
      sourceRepository: "team/web",
      image: { tag: "1" },
      sourceReference: "docker://fake/team/web:1",
      target: clientOf(target),
      targetRepository: "prod/web",
      tags: ["1"],
      onLine: (line) => lines.push(line),
      onTransfer: (transfer) => transfers.push(transfer),
    });

    expect(copied.digest).toBe(sha256(manifest));
    const finished = transfers.filter((t) => t.done);
    expect(finished.map((t) => [t.id, t.bytes, t.total]).sort()).toEqual(
      [
        [sha256(config).slice(7, 19), config.length, config.length],
        [sha256(layer).slice(7, 19), layer.length, layer.length],
      ].sort(),
    );
    expect(lines.filter((l) => / Pushed [\d.]+ MiB in [\d.]+ s \([\d.]+ MiB\/s\)$/.test(l))).toHaveLength(2);
    expect(target.blobs.get(sha256(layer))?.equals(layer)).toBe(true);
  });
});
