import { describe, expect, it } from "vitest";
import { isSameImage } from "../../../src/engine/registry/reuse.js";
import { MediaTypes } from "../../../src/oci/index.js";

const CONFIG = `sha256:${"c".repeat(64)}`;
const stored = (...layerTypes: string[]) => ({
  digest: `sha256:${"m".repeat(64)}`,
  manifest: JSON.stringify({
    schemaVersion: 2,
    config: { digest: CONFIG },
    layers: layerTypes.map((mediaType, i) => ({
      mediaType,
      digest: `sha256:${String(i).repeat(64)}`,
      size: 1,
    })),
  }),
});

describe("isSameImage", () => {
  it("is the same image when the config matches and the layers are compressed as asked", () => {
    const gzip = stored(MediaTypes.dockerLayerGzip, MediaTypes.dockerLayerGzip);
    const zstd = stored(MediaTypes.ociLayerZstd);
    expect(isSameImage(gzip, { configDigest: CONFIG, compression: "gzip" })).toBe(true);
    expect(isSameImage(zstd, { configDigest: CONFIG, compression: "zstd" })).toBe(true);
    // The zstd manifest of the image is another image to a reader that only knows gzip.
    expect(isSameImage(zstd, { configDigest: CONFIG, compression: "gzip" })).toBe(false);
    expect(isSameImage(gzip, { configDigest: CONFIG, compression: "zstd" })).toBe(false);
    expect(isSameImage(gzip, { configDigest: `sha256:${"d".repeat(64)}`, compression: "gzip" })).toBe(false);
  });

  it("does not count foreign layers, which are referenced as they are", () => {
    const windows = stored(MediaTypes.dockerForeignLayerGzip, MediaTypes.ociLayerZstd);
    expect(isSameImage(windows, { configDigest: CONFIG, compression: "zstd" })).toBe(true);
  });
});
