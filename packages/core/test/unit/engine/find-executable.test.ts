import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findExecutable } from "../../../src/engine/index.js";

let root: string;
let empty: string;
let bin: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "find-exe-"));
  empty = path.join(root, "empty");
  bin = path.join(root, "bin");
  mkdirSync(empty);
  mkdirSync(bin);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function file(name: string, mode = 0o755): string {
  const full = path.join(bin, name);
  writeFileSync(full, "#!/bin/sh\n");
  chmodSync(full, mode);
  return full;
}

describe.skipIf(process.platform === "win32")("findExecutable on POSIX", () => {
  it("finds docker in a later PATH entry", async () => {
    const docker = file("docker");
    const env = { PATH: [empty, "", bin].join(":") };
    expect(findExecutable("docker", { env, platform: "linux" })).toBe(docker);
  });

  it("skips files that are not executable, and directories", async () => {
    file("docker", 0o644);
    mkdirSync(path.join(empty, "docker"));
    expect(findExecutable("docker", { env: { PATH: `${empty}:${bin}` }, platform: "linux" })).toBeUndefined();
  });

  it("is undefined without PATH", async () => {
    file("docker");
    expect(findExecutable("docker", { env: {}, platform: "linux" })).toBeUndefined();
  });

  it("checks a name with a directory as is", async () => {
    const docker = file("docker");
    expect(findExecutable(docker, { env: {}, platform: "linux" })).toBe(docker);
  });
});

describe("findExecutable on Windows", () => {
  it("reads Path case-insensitively and honours PATHEXT", async () => {
    const docker = file("docker.exe", 0o644);
    file("docker", 0o755);
    const env = { Path: `"${empty}";${bin}`, PATHEXT: ".COM;.EXE;.BAT" };
    expect(findExecutable("docker", { env, platform: "win32" })).toBe(docker);
  });

  it("uses the default PATHEXT, and keeps a name that already has an extension", async () => {
    const docker = file("docker.exe", 0o644);
    expect(findExecutable("docker", { env: { PATH: bin }, platform: "win32" })).toBe(docker);
    expect(findExecutable("docker.exe", { env: { PATH: bin }, platform: "win32" })).toBe(docker);
  });

  it("does not take an extension-less file", async () => {
    file("docker");
    expect(findExecutable("docker", { env: { Path: bin }, platform: "win32" })).toBeUndefined();
  });
});
