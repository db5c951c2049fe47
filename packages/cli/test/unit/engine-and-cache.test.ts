import type { PushResult } from "@ecr-push/core";
import { describe, expect, it } from "vitest";
import { cliHost } from "../../src/commands/common.js";
import { CLI_INPUT_NAMES } from "../../src/commands/push.js";
import { pushJsonOf } from "../../src/commands/push-run.js";
import { userCacheDir } from "../../src/host/cache-dir.js";
import { ConsoleLogger } from "../../src/host/console-logger.js";
import { cli } from "./run-cli.js";

describe("--engine", () => {
  it("is listed in push --help, and --concurrency no longer only for archives", async () => {
    const r = await cli("push", "--help");
    expect(r.stdout).toContain("      --engine ENGINE             Who pushes a local image: auto (default)");
    expect(r.stdout).toContain(
      "      --concurrency N             Blobs uploaded at once, 1 to 32 (default: 4; not with --engine docker)\n",
    );
  });

  it("rejects an unknown engine with exit 2 and core's sentence naming --engine", async () => {
    const r = await cli("push", "web:1", "-r", "team/web", "--engine", "podman");
    expect(r).toMatchObject({
      code: 2,
      stdout: "",
      stderr: 'error: Invalid --engine "podman": use auto, registry, docker (default auto).\n',
    });
  });

  it("names --engine when --concurrency is given with docker push", async () => {
    const r = await cli("push", "web:1", "-r", "team/web", "--engine", "docker", "--concurrency", "8");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: Invalid --concurrency "8": docker push sets its own concurrency, so remove it or set --engine to auto.\n',
    );
  });

  it("is spelled --engine in core's sentences", () => {
    expect(CLI_INPUT_NAMES.engine).toBe("--engine");
  });
});

describe("--json tagResults", () => {
  const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
  const result = {
    imageUri: `${registry}/team/web:1.4.2`,
    imageUris: [`${registry}/team/web:1.4.2`, `${registry}/team/web:latest`],
    digest: `sha256:${"a".repeat(64)}`,
    registry,
    repository: "team/web",
    tags: ["1.4.2", "latest"],
    registryId: "123456789012",
    region: "eu-west-1",
    repositoryCreated: false,
    sourceImageId: `sha256:${"b".repeat(64)}`,
    tagResults: [
      { tag: "1.4.2", imageUri: `${registry}/team/web:1.4.2`, status: "pushed", extra: 1 },
      { tag: "latest", imageUri: `${registry}/team/web:latest`, status: "unchanged" },
    ],
  } as PushResult;

  it("lists each tag with its URI and status, and only those fields", () => {
    const doc = pushJsonOf(result);
    expect(doc.tagResults).toEqual([
      { tag: "1.4.2", imageUri: `${registry}/team/web:1.4.2`, status: "pushed" },
      { tag: "latest", imageUri: `${registry}/team/web:latest`, status: "unchanged" },
    ]);
    expect(Object.keys(doc)).toEqual([
      "imageUri",
      "imageUris",
      "digest",
      "registry",
      "repository",
      "tags",
      "registryId",
      "region",
      "repositoryCreated",
      "imageSizeBytes",
      "tagResults",
    ]);
    expect(doc.imageSizeBytes).toBeNull();
  });
});

describe("the user's cache folder (the registry engine's layer cache)", () => {
  const home = () => "/home/ada";

  it.each([
    ["linux", {}, "/home/ada/.cache/ecr-push"],
    ["linux", { XDG_CACHE_HOME: "/var/cache/ada" }, "/var/cache/ada/ecr-push"],
    // A relative XDG_CACHE_HOME is invalid by the spec, so it is ignored.
    ["linux", { XDG_CACHE_HOME: "cache" }, "/home/ada/.cache/ecr-push"],
    ["freebsd", {}, "/home/ada/.cache/ecr-push"],
    ["darwin", { XDG_CACHE_HOME: "/ignored" }, "/home/ada/Library/Caches/ecr-push"],
    ["linux", { ECR_PUSH_CACHE_DIR: "/srv/ecr-cache", XDG_CACHE_HOME: "/x" }, "/srv/ecr-cache"],
    ["darwin", { ECR_PUSH_CACHE_DIR: "/srv/ecr-cache" }, "/srv/ecr-cache"],
  ] as const)("on %s with %j is %s", (platform, env, expected) => {
    expect(userCacheDir(env, platform, home)).toBe(expected);
  });

  it("on Windows is %LOCALAPPDATA%\\ecr-push\\cache, else under the profile's AppData\\Local", () => {
    const profile = () => "C:\\Users\\ada";
    expect(userCacheDir({ LOCALAPPDATA: "D:\\Local" }, "win32", profile)).toBe("D:\\Local\\ecr-push\\cache");
    expect(userCacheDir({}, "win32", profile)).toBe("C:\\Users\\ada\\AppData\\Local\\ecr-push\\cache");
    expect(userCacheDir({ ECR_PUSH_CACHE_DIR: "E:\\cache" }, "win32", profile)).toBe("E:\\cache");
  });

  it("resolves a relative ECR_PUSH_CACHE_DIR against the working folder", () => {
    expect(userCacheDir({ ECR_PUSH_CACHE_DIR: "ecr-cache" }, "linux", home)).toBe(
      `${process.cwd()}/ecr-cache`,
    );
  });

  it("is undefined without a home folder (nothing is cached then)", () => {
    const none = () => {
      throw new Error("no home");
    };
    expect(userCacheDir({}, "linux", none)).toBeUndefined();
    expect(userCacheDir({}, "darwin", () => "")).toBeUndefined();
    expect(userCacheDir({}, "win32", none)).toBeUndefined();
    expect(userCacheDir({ XDG_CACHE_HOME: "/var/cache/ada" }, "linux", none)).toBe("/var/cache/ada/ecr-push");
  });

  it("is what the CLI hands core as its host's cacheDir", () => {
    const io = {
      stdout: () => {},
      stderr: () => {},
      env: { ECR_PUSH_CACHE_DIR: "/srv/ecr-cache" },
      signal: new AbortController().signal,
    };
    const logger = new ConsoleLogger({ quiet: true, debug: false, live: false, write: () => {} });
    expect(cliHost(io, logger, CLI_INPUT_NAMES).cacheDir).toBe("/srv/ecr-cache");
    const xdg = { XDG_CACHE_HOME: "/var/cache/ada" };
    expect(cliHost({ ...io, env: xdg }, logger, {}).cacheDir).toBe(userCacheDir(xdg));
  });
});
