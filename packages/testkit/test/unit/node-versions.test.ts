import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cachedNode, nodeCacheDir, nodeWarningLines } from "../../src/node-versions.js";

describe("cachedNode", () => {
  let base: string | undefined;
  afterEach(() => {
    if (base) rmSync(base, { recursive: true, force: true });
  });
  const withVersions = (...versions: string[]) => {
    base = mkdtempSync(path.join(tmpdir(), "ecr-push-node-cache-"));
    const env = { XDG_CACHE_HOME: base };
    for (const v of versions) {
      mkdirSync(path.join(nodeCacheDir(env), v, "bin"), { recursive: true });
      writeFileSync(path.join(nodeCacheDir(env), v, "bin", "node"), "");
    }
    return env;
  };

  it("picks the newest version of the major, numerically, under XDG_CACHE_HOME", () => {
    const env = withVersions("22.9.0", "22.10.1", "22.10.0", "24.1.0");
    mkdirSync(path.join(nodeCacheDir(env), "22.11.0"));
    expect(cachedNode(22, env)).toEqual({
      version: "22.10.1",
      path: path.join(base as string, "ecr-push", "node", "22.10.1", "bin", "node"),
    });
  });

  it("says why there is none, naming setup", () => {
    expect(cachedNode(20, withVersions("22.1.0"))).toMatch(/^no Node 20 in .*scripts\/setup\.sh/);
  });
});

describe("nodeWarningLines", () => {
  it("finds Node's warnings and the AWS SDK's, and nothing in an ordinary log", () => {
    const log = [
      "Pushed 127.0.0.1:5000/team/web:1 (sha256:abc).",
      "warning: the tag latest is moved",
      "::warning::a host annotation",
      "(node:1234) [DEP0040] DeprecationWarning: The `punycode` module is deprecated.",
      "(Use `node --trace-deprecation ...` to show where the warning was created)",
      "##vso[task.debug]Warning: NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)",
      "will require node >=22. You are running node v20.20.2.",
      "ExperimentalWarning: Type Stripping is an experimental feature",
    ].join("\n");
    expect(nodeWarningLines(log)).toEqual(log.split("\n").slice(3));
  });
});
