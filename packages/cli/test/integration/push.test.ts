import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { EcrFixture } from "@ecr-push/e2e";
import {
  buildTestImage,
  dockerEnv,
  dockerForTests,
  listLocalTags,
  runOk,
  skopeoInspect,
  startFakeImds,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean, KEYS } from "./harness.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)("ecr-push push, end to end (real Docker, real SDK, local ECR)", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  let password: string;

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    password = (await e2e.registryCredentials()).password;
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("pushes one tag and prints the URI and digest that skopeo sees", async () => {
    await e2e.createRepository("team/one");
    await buildTestImage(host, "e2e/one:1");
    const run = await cli(e2e, ["push", "e2e/one:1", "--repository", "team/one", "--tag", "v1"]);
    expect(run.code, run.stderr).toBe(0);
    const [uri, ref] = run.stdout.trim().split("\n");
    expect(uri).toBe(`${e2e.local.registry}/team/one:v1`);
    const digest = ref?.split("@")[1] ?? "";
    expect(ref).toBe(`${e2e.local.registry}/team/one@${digest}`);
    const seen = await skopeoInspect(`${e2e.local.registry}/team/one:v1`, await e2e.registryCredentials());
    expect(seen.Digest).toBe(digest);
    expectClean(run, password);
  });

  it("pushes several tags in one run with --json and the same digest for each", async () => {
    await e2e.createRepository("team/multi");
    await buildTestImage(host, "e2e/multi:latest", { layers: 2 });
    const run = await cli(e2e, [
      "push",
      "e2e/multi",
      "-r",
      "team/multi",
      "-t",
      "1.0.0,1.0",
      "-t",
      "stable",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(Object.keys(doc).sort()).toEqual(
      [
        "digest",
        "imageSizeBytes",
        "imageUri",
        "imageUris",
        "region",
        "registry",
        "registryId",
        "repository",
        "repositoryCreated",
        "tagResults",
        "tags",
      ].sort(),
    );
    expect(doc.imageUris).toEqual(
      ["1.0.0", "1.0", "stable"].map((t) => `${e2e.local.registry}/team/multi:${t}`),
    );
    expect(doc.imageUri).toBe(doc.imageUris[0]);
    expect(doc.tagResults).toEqual(
      ["1.0.0", "1.0", "stable"].map((tag) => ({
        tag,
        imageUri: `${e2e.local.registry}/team/multi:${tag}`,
        status: "pushed",
      })),
    );
    expect(doc).toMatchObject({
      registry: e2e.local.registry,
      repository: "team/multi",
      tags: ["1.0.0", "1.0", "stable"],
      registryId: e2e.local.accountId,
      region: "eu-west-3",
      repositoryCreated: false,
    });
    const described = await e2e.ecr().send(new DescribeImagesCommand({ repositoryName: "team/multi" }));
    expect(described.imageDetails).toHaveLength(1);
    expect(described.imageDetails?.[0]?.imageDigest).toBe(doc.digest);
    expect(described.imageDetails?.[0]?.imageTags?.sort()).toEqual(["1.0", "1.0.0", "stable"]);
    // The docker engine does not know the pushed size: ECR's own figure is reported.
    expect(doc.imageSizeBytes).toBe(described.imageDetails?.[0]?.imageSizeInBytes);
    expectClean(run, password);
  });

  it("pushes by image ID and tags latest by default", async () => {
    await e2e.createRepository("team/by-id");
    const id = await buildTestImage(host, "e2e/by-id:1");
    const run = await cli(e2e, ["push", id, "-r", "team/by-id", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.imageUri).toBe(`${e2e.local.registry}/team/by-id:latest`);
    const seen = await skopeoInspect(doc.imageUri, await e2e.registryCredentials());
    expect(seen.Digest).toBe(doc.digest);
  });

  it("pushes with --engine docker (docker push), reporting the same fields", async () => {
    await e2e.createRepository("team/docker-engine");
    await buildTestImage(host, "e2e/docker-engine:1");
    const run = await cli(e2e, [
      "push",
      "e2e/docker-engine:1",
      "-r",
      "team/docker-engine",
      "-t",
      "1,stable",
      "--engine",
      "docker",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.tagResults).toEqual(
      ["1", "stable"].map((tag) => ({
        tag,
        imageUri: `${e2e.local.registry}/team/docker-engine:${tag}`,
        status: "pushed",
      })),
    );
    const seen = await skopeoInspect(doc.imageUri, await e2e.registryCredentials());
    expect(seen.Digest).toBe(doc.digest);
    expectClean(run, password);
  });

  it("creates a missing repository with the requested settings, once", async () => {
    await buildTestImage(host, "e2e/create:1");
    const kmsKey = `arn:aws:kms:eu-west-3:${e2e.local.accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const args = [
      "push",
      "e2e/create:1",
      "-r",
      "team/created",
      "-t",
      "v1",
      "--create-repository",
      "--image-tag-mutability",
      "IMMUTABLE",
      "--scan-on-push",
      "--kms-key",
      kmsKey,
      "--repository-tag",
      "team=web",
      "--repository-tag",
      "cost-center=42",
      "--json",
    ];
    const first = await cli(e2e, args);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).repositoryCreated).toBe(true);
    const repo = e2e.local.repository("team/created");
    expect(repo).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      scanOnPush: true,
      encryptionType: "KMS",
      kmsKey,
      tags: [
        { Key: "team", Value: "web" },
        { Key: "cost-center", Value: "42" },
      ],
    });
    // The same tag of the same image again: immutable, but nothing changes, so it succeeds.
    const again = await cli(e2e, args);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).repositoryCreated).toBe(false);
  });

  it("refuses to move an immutable tag to another image, in one sentence", async () => {
    await e2e.createRepository("team/frozen", { imageTagMutability: "IMMUTABLE" });
    await buildTestImage(host, "e2e/frozen:a");
    await buildTestImage(host, "e2e/frozen:b");
    expect((await cli(e2e, ["push", "e2e/frozen:a", "-r", "team/frozen", "-t", "v1"])).code).toBe(0);
    const run = await cli(e2e, ["push", "e2e/frozen:b", "-r", "team/frozen", "-t", "v1"]);
    expect(run.code).toBe(1);
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/v1.*immutable|immutable.*v1/i);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expectClean(run, password);
  });

  it("fails with one sentence when the repository is missing and creation is not allowed", async () => {
    await buildTestImage(host, "e2e/missing:1");
    const run = await cli(e2e, ["push", "e2e/missing:1", "-r", "team/does-not-exist"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("error: "));
    expect(errors).toEqual([expect.stringMatching(/team\/does-not-exist.*--create-repository/)]);
    expect(e2e.local.repository("team/does-not-exist")).toBeUndefined();
    expectClean(run);
  });

  it("fails with one sentence and no secret when AWS rejects the credentials", async () => {
    await buildTestImage(host, "e2e/creds:1");
    const wrong = "wrong/Secret+Key/ThatMustNeverBePrinted99";
    const run = await cli(e2e, ["push", "e2e/creds:1", "-r", "team/one"], { AWS_SECRET_ACCESS_KEY: wrong });
    expect(run.code).toBe(1);
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/credentials/i);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expectClean(run, wrong);
  });

  it("fails with one sentence when the source image does not exist", async () => {
    const run = await cli(e2e, ["push", "e2e/never-built:1", "-r", "team/one"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .*e2e\/never-built:1/m);
    expectClean(run);
  });

  it("fails with one sentence when the Docker daemon is unreachable", async () => {
    const run = await cli(e2e, ["push", "e2e/one:1", "-r", "team/one"], {
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    });
    expect(run.code).toBe(1);
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("error: "));
    expect(errors).toEqual([expect.stringMatching(/Docker daemon/)]);
  });

  it("removes the tags it made and keeps the source unless asked", async () => {
    await e2e.createRepository("team/cleanup");
    await buildTestImage(host, "e2e/cleanup:1");
    const kept = await cli(e2e, ["push", "e2e/cleanup:1", "-r", "team/cleanup", "-t", "a", "-t", "b"]);
    expect(kept.code, kept.stderr).toBe(0);
    let tags = await listLocalTags(host);
    expect(tags).toContain("e2e/cleanup:1");
    expect(tags.filter((t) => t.startsWith(e2e.local.registry))).toEqual([]);
    const removed = await cli(e2e, [
      "push",
      "e2e/cleanup:1",
      "-r",
      "team/cleanup",
      "-t",
      "c",
      "--remove-local-image",
    ]);
    expect(removed.code, removed.stderr).toBe(0);
    tags = await listLocalTags(host);
    expect(tags).not.toContain("e2e/cleanup:1");
    expect(tags.filter((t) => t.startsWith(e2e.local.registry))).toEqual([]);
    expectClean(removed, password);
  });

  it("assumes a role with an external id before pushing", async () => {
    await e2e.createRepository("team/role");
    await buildTestImage(host, "e2e/role:1");
    const roleArn = `arn:aws:iam::${e2e.local.accountId}:role/pusher`;
    const run = await cli(e2e, [
      "push",
      "e2e/role:1",
      "-r",
      "team/role",
      "--role-arn",
      roleArn,
      "--external-id",
      "ext-123",
      "--role-session-name",
      "pipeline-42",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(e2e.local.assumedRoles).toContainEqual(
      expect.objectContaining({
        action: "AssumeRole",
        roleArn,
        externalId: "ext-123",
        roleSessionName: "pipeline-42",
      }),
    );
    expectClean(run, password);
  });

  it("exchanges a web identity token file for a role (OIDC)", async () => {
    await e2e.createRepository("team/oidc");
    await buildTestImage(host, "e2e/oidc:1");
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-oidc-"));
    const token = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.sig`;
    const tokenFile = path.join(dir, "token");
    writeFileSync(tokenFile, token);
    try {
      const roleArn = `arn:aws:iam::${e2e.local.accountId}:role/oidc-pusher`;
      const run = await cli(
        e2e,
        [
          "push",
          "e2e/oidc:1",
          "-r",
          "team/oidc",
          "--role-arn",
          roleArn,
          "--web-identity-token-file",
          tokenFile,
        ],
        { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(e2e.local.assumedRoles).toContainEqual(
        expect.objectContaining({ action: "AssumeRoleWithWebIdentity", roleArn }),
      );
      expectClean(run, token, password);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pushes to an explicit registry id and refuses another account in one sentence", async () => {
    await e2e.createRepository("team/cross");
    await buildTestImage(host, "e2e/cross:1");
    const own = await cli(e2e, [
      "push",
      "e2e/cross:1",
      "-r",
      "team/cross",
      "--registry-id",
      e2e.local.accountId,
      "--json",
    ]);
    expect(own.code, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout).registryId).toBe(e2e.local.accountId);
    const other = await cli(e2e, [
      "push",
      "e2e/cross:1",
      "-r",
      "team/cross",
      "--registry-id",
      "210987654321",
    ]);
    expect(other.code).toBe(1);
    const errors = other.stderr.split("\n").filter((l) => l.startsWith("error: "));
    expect(errors).toEqual([expect.stringMatching(/ecr:GetAuthorizationToken|ecr:DescribeRepositories/)]);
  });

  it("reads credentials from a named profile of the shared credentials file", async () => {
    await e2e.createRepository("team/profile");
    await buildTestImage(host, "e2e/profile:1");
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-profile-"));
    const file = path.join(dir, "credentials");
    writeFileSync(
      file,
      `[default]\naws_access_key_id = AKIAWRONG00000000000\naws_secret_access_key = wrong\n\n[pusher]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\n`,
    );
    try {
      const run = await cli(e2e, ["push", "e2e/profile:1", "-r", "team/profile", "--profile", "pusher"], {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SHARED_CREDENTIALS_FILE: file,
        AWS_CONFIG_FILE: path.join(dir, "config"),
      });
      expect(run.code, run.stderr).toBe(0);
      expect(
        e2e.local.calls.some(
          (c) => c.operation === "GetAuthorizationToken" && c.accessKeyId === KEYS.accessKeyId,
        ),
      ).toBe(true);
      expectClean(run, password);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pushes with temporary keys and a session token from the environment, printing neither", async () => {
    await e2e.createRepository("team/session");
    await buildTestImage(host, "e2e/session:1");
    const sts = new STSClient({ region: e2e.local.region, endpoint: e2e.local.endpoint, credentials: KEYS });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${e2e.local.accountId}:role/ci`,
        RoleSessionName: "ci",
      }),
    );
    const temp = assumed.Credentials;
    if (!temp?.AccessKeyId || !temp.SecretAccessKey || !temp.SessionToken)
      throw new Error("no temporary credentials");
    const run = await cli(e2e, ["push", "e2e/session:1", "-r", "team/session", "--debug"], {
      AWS_ACCESS_KEY_ID: temp.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: temp.SecretAccessKey,
      AWS_SESSION_TOKEN: temp.SessionToken,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(
      e2e.local.calls.some(
        (c) => c.operation === "GetAuthorizationToken" && c.accessKeyId === temp.AccessKeyId,
      ),
    ).toBe(true);
    expectClean(run, temp.SecretAccessKey, temp.SessionToken, password);
  });

  it("finds the region in instance metadata when none is configured", async () => {
    const imds = await startFakeImds("eu-west-3");
    try {
      const run = await cli(e2e, ["push", "e2e/one:1", "-r", "team/one", "-t", "imds", "--json"], {
        AWS_REGION: undefined,
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).region).toBe("eu-west-3");
      expect(imds.requests).toContain("GET /latest/meta-data/placement/region");
    } finally {
      await imds.close();
    }
  });

  it("says how to set a region when there is none, with exit code 2", async () => {
    const run = await cli(e2e, ["push", "e2e/one:1", "-r", "team/one"], { AWS_REGION: undefined });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*--region.*AWS_REGION/m);
  });

  it("is pullable after the push", async () => {
    const env = dockerEnv(host);
    const ref = `${e2e.local.registry}/team/one:v1`;
    const creds = await e2e.registryCredentials();
    const config = mkdtempSync(path.join(tmpdir(), "ecr-push-pull-"));
    try {
      const withConfig = { ...env, DOCKER_CONFIG: config };
      await runOk("docker", ["login", "-u", creds.username, "--password-stdin", e2e.local.registry], {
        env: withConfig,
        input: creds.password,
      });
      await runOk("docker", ["pull", "-q", ref], { env: withConfig });
      const digests = await runOk("docker", ["image", "inspect", "--format", "{{json .RepoDigests}}", ref], {
        env: withConfig,
      });
      const seen = await skopeoInspect(ref, creds);
      expect(JSON.parse(digests)).toContain(`${e2e.local.registry}/team/one@${seen.Digest}`);
      await runOk("docker", ["image", "rm", ref], { env: withConfig });
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});
