import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dockerConfigCredentials, parsePromoteRequest, type RawPushInputs } from "../../../src/index.js";
import { FakeRunner } from "../engine/fake-runner.js";

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
  it("reads docker login's entry for the host, and names a credential helper it cannot find", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "docker-config-"));
    try {
      writeFileSync(
        path.join(dir, "config.json"),
        JSON.stringify({
          auths: { "https://r.example.com": { auth: Buffer.from("me:pa:ss").toString("base64") } },
          credHelpers: { "other.example.com": "ecr-login" },
        }),
      );
      const env = { DOCKER_CONFIG: dir, PATH: dir };
      expect(await dockerConfigCredentials("r.example.com", env)).toEqual({
        credentials: { username: "me", password: "pa:ss" },
      });
      expect((await dockerConfigCredentials("other.example.com", env)).note).toBe(
        "The Docker config keeps credentials for other.example.com in the credential helper docker-credential-ecr-login, which is not on PATH: install it, or give the source credentials explicitly.",
      );
      expect(await dockerConfigCredentials("none.example.com", env)).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("asks the host's credential helper as docker does: `get`, the host on stdin, JSON back", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "docker-config-"));
    try {
      writeFileSync(
        path.join(dir, "config.json"),
        JSON.stringify({ credsStore: "desktop", credHelpers: { "ghcr.example.com": "gh" } }),
      );
      for (const helper of ["docker-credential-desktop", "docker-credential-gh"]) {
        writeFileSync(path.join(dir, helper), "#!/bin/sh\n");
        chmodSync(path.join(dir, helper), 0o755);
      }
      const asked: { command: string; stdin?: string; args: string[] }[] = [];
      const runner = new FakeRunner((args) => {
        const call = runner.calls.at(-1);
        asked.push({ command: path.basename(call?.command ?? ""), stdin: call?.stdin, args });
        if (call?.stdin === "ghcr.example.com")
          return {
            stdout: JSON.stringify({ ServerURL: "ghcr.example.com", Username: "bot", Secret: "s3cret" }),
          };
        if (call?.stdin === "token.example.com")
          return { stdout: JSON.stringify({ Username: "<token>", Secret: "refresh" }) };
        return { exitCode: 1, stdout: "credentials not found in native keychain\n" };
      });
      const env = { DOCKER_CONFIG: dir, PATH: dir };
      expect(await dockerConfigCredentials("ghcr.example.com", env, { runner })).toEqual({
        credentials: { username: "bot", password: "s3cret" },
      });
      // Nothing stored for a host is no error: the image may be public.
      expect(await dockerConfigCredentials("public.example.com", env, { runner })).toEqual({});
      expect((await dockerConfigCredentials("token.example.com", env, { runner })).note).toMatch(
        /identity token for token\.example\.com, which is not supported/,
      );
      expect(asked).toEqual([
        { command: "docker-credential-gh", stdin: "ghcr.example.com", args: ["get"] },
        { command: "docker-credential-desktop", stdin: "public.example.com", args: ["get"] },
        { command: "docker-credential-desktop", stdin: "token.example.com", args: ["get"] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
