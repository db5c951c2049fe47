import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dockerConfigCredentials, parsePromoteRequest, type RawPushInputs } from "../../../src/index.js";

const ECR = "210987654321.dkr.ecr.us-west-2.amazonaws.com";
const names = {
  source: "SOURCE",
  repository: "--repository",
  sourceProfile: "--source-profile",
  sourceUsername: "--source-username",
  sourcePassword: "--source-password-stdin",
  platform: "--platform",
};
const parse = (raw: RawPushInputs) => parsePromoteRequest({ repository: "team/web", ...raw }, names);

describe("parsePromoteRequest", () => {
  it("reads an ECR source's account and region, with credentials of its own", () => {
    const request = parse({ source: `${ECR}/team/web:1.4.2`, sourceProfile: "prod-read" });
    expect(request.source).toMatchObject({
      kind: "ecr",
      registryId: "210987654321",
      region: "us-west-2",
      repository: "team/web",
      image: { tag: "1.4.2" },
      credentials: { profile: "prod-read" },
    });
    // No --tag: the source's own tag.
    expect(request.tags).toEqual(["1.4.2"]);
  });

  it("takes docker:// references to any registry, by tag or digest", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    expect(
      parse({ source: `docker://registry.example.com:5000/a/b@${digest}`, tags: "x" }).source,
    ).toMatchObject({
      kind: "registry",
      registry: "registry.example.com:5000",
      repository: "a/b",
      image: { digest },
    });
    expect(parse({ source: "docker://127.0.0.1:5000/web" }).tags).toEqual(["latest"]);
  });

  it("rejects a source without a registry host, and options of the other kind of source", () => {
    expect(() => parse({ source: "web:1" })).toThrow(
      /^Invalid SOURCE "web:1": use docker:\/\/HOST\/REPOSITORY:TAG/,
    );
    expect(() => parse({ source: "docker://r.example.com/web:1", sourceProfile: "x" })).toThrow(
      /^Invalid --source-profile "x": it applies only to an ECR source/,
    );
    expect(() => parse({ source: `${ECR}/web:1`, sourceUsername: "u", sourcePassword: "p" })).toThrow(
      /^Invalid --source-username: an ECR source is read with AWS credentials/,
    );
    expect(() => parse({ source: "r.example.com/web:1", sourceUsername: "u" })).toThrow(
      "Missing --source-password-stdin: it is required with --source-username.",
    );
  });

  it("parses platform filters", () => {
    expect(
      parse({ source: "r.example.com/web:1", platform: "linux/amd64,linux/arm64/v8" }).platforms,
    ).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
    ]);
    expect(() => parse({ source: "r.example.com/web:1", platform: "amd64" })).toThrow(
      /^Invalid --platform "amd64"/,
    );
  });
});

describe("dockerConfigCredentials", () => {
  it("reads docker login's entry for the host, and names a credential helper it does not run", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "docker-config-"));
    try {
      writeFileSync(
        path.join(dir, "config.json"),
        JSON.stringify({
          auths: { "https://r.example.com": { auth: Buffer.from("me:pa:ss").toString("base64") } },
          credHelpers: { "other.example.com": "ecr-login" },
        }),
      );
      const env = { DOCKER_CONFIG: dir };
      expect(dockerConfigCredentials("r.example.com", env)).toEqual({
        credentials: { username: "me", password: "pa:ss" },
      });
      expect(dockerConfigCredentials("other.example.com", env).note).toMatch(/docker-credential-ecr-login/);
      expect(dockerConfigCredentials("none.example.com", env)).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
