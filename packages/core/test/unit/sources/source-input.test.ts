import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { parsePushRequest, type RawPushInputs } from "../../../src/request/index.js";

const names = {
  source: "SOURCE",
  concurrency: "--concurrency",
  removeLocalImage: "--remove-local-image",
  engine: "--engine",
  compression: "--compression",
};
const parse = (extra: RawPushInputs) => parsePushRequest({ repository: "team/web", ...extra }, names);
const messageOf = (extra: RawPushInputs) => {
  try {
    parse(extra);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a rejection");
};

describe("daemonless sources in the source input", () => {
  it("reads docker-archive:PATH[:name:tag] and oci:DIR[:ref]; no prefix stays a local image", () => {
    expect(parse({ source: "docker-archive:build/web.tar" }).source).toEqual({
      reference: "docker-archive:build/web.tar",
      kind: "docker-archive",
      path: "build/web.tar",
    });
    expect(parse({ source: "docker-archive:web.tar:team/web:1.4" }).source).toMatchObject({
      path: "web.tar",
      image: "team/web:1.4",
    });
    expect(parse({ source: "docker-archive:C:\\images\\web.tar:web:1" }).source).toMatchObject({
      path: "C:\\images\\web.tar",
      image: "web:1",
    });
    expect(parse({ source: "oci:out/layout:v1.2" }).source).toMatchObject({
      kind: "oci",
      path: "out/layout",
      image: "v1.2",
    });
    expect(parse({ source: "web:1" }).source).toEqual({ reference: "web:1", kind: "name" });
  });

  it("rejects an empty path or a malformed image, in one sentence naming the input", () => {
    expect(messageOf({ source: "oci:" })).toBe(
      'Invalid SOURCE "oci:": name the layout folder as oci:DIR[:ref].',
    );
    expect(messageOf({ source: "docker-archive:web.tar:Bad Name" })).toBe(
      'Invalid SOURCE "docker-archive:web.tar:Bad Name": after docker-archive:PATH give the image as name:tag, such as docker-archive:web.tar:web:1.4.2.',
    );
  });

  it("takes --concurrency for the registry engine (every source), 1 to 32, and not with docker push", () => {
    expect(parse({ source: "oci:dir", concurrency: "8" }).concurrency).toBe(8);
    expect(parse({ source: "web:1", concurrency: "8" })).toMatchObject({
      concurrency: 8,
      engine: "registry",
    });
    expect(parse({ source: "oci:dir" }).concurrency).toBeUndefined();
    expect(messageOf({ source: "oci:dir", concurrency: "64" })).toBe(
      'Invalid --concurrency "64": use a whole number from 1 to 32.',
    );
    expect(messageOf({ source: "web:1", concurrency: "4", engine: "docker" })).toBe(
      'Invalid --concurrency "4": docker push sets its own concurrency, so remove it or set --engine to auto.',
    );
  });

  it("takes the engine auto (the registry engine), registry or docker, docker only for a local image", () => {
    expect(parse({ source: "web:1" }).engine).toBe("registry");
    expect(parse({ source: "web:1", engine: "AUTO" }).engine).toBe("registry");
    expect(parse({ source: "web:1", engine: "docker" }).engine).toBe("docker");
    expect(parse({ source: "oci:dir", engine: "registry" }).engine).toBe("registry");
    expect(messageOf({ source: "web:1", engine: "crane" })).toBe(
      'Invalid --engine "crane": use auto, registry, docker (default auto).',
    );
    expect(messageOf({ source: "oci:dir", engine: "docker" })).toBe(
      'Invalid --engine "docker": docker push needs a local image, and oci: sources always use the registry engine, so remove it or use auto.',
    );
  });

  it("compresses with gzip unless zstd is asked for, which needs the registry engine and Node's zstd", () => {
    expect(parse({ source: "web:1" }).compression).toBe("gzip");
    expect(parse({ source: "web:1", compression: "GZIP", engine: "docker" }).compression).toBe("gzip");
    expect(messageOf({ source: "web:1", compression: "brotli" })).toBe(
      'Invalid --compression "brotli": use gzip or zstd (default gzip).',
    );
    expect(messageOf({ source: "web:1", compression: "zstd", engine: "docker" })).toBe(
      'Invalid --compression "zstd": docker push always sends gzip layers, so remove it or set --engine to auto.',
    );
    if ("zstdCompress" in zlib) {
      expect(parse({ source: "oci:dir", compression: "zstd" }).compression).toBe("zstd");
    } else {
      expect(messageOf({ source: "oci:dir", compression: "zstd" })).toBe(
        `Invalid --compression "zstd": zstd needs Node.js 22.15 or later and this is Node.js ${process.versions.node}, so use gzip or run ecr-push on a newer Node.js.`,
      );
    }
  });

  it("refuses to remove a local image that is a file", () => {
    expect(messageOf({ source: "docker-archive:web.tar", removeLocalImage: true })).toBe(
      "Invalid --remove-local-image: it applies only to a local Docker image, not to docker-archive: sources, so remove it.",
    );
  });
});
