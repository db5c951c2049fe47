import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import { buildTestImage, dockerEnv, dockerForTests, runOk, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectClean, expectedDotenv, oneError, projectDir, reportedDigest, runJob } from "./harness.js";

const dockerHost = dockerForTests();

/** A job that has no AWS keys among its CI/CD variables. */
const NO_KEYS = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
/** A job whose image has no docker CLI and no daemon to reach. */
const NO_DOCKER = { PATH: "/nonexistent", DOCKER_HOST: "unix:///nonexistent/docker.sock" };

/** An OIDC ID token as `id_tokens:` puts it in a variable. */
function idToken(): string {
  return `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.gitlabSignature`;
}

describe.runIf(dockerHost)("the GitLab job, built, on a real engine against the local ECR", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  let password: string;
  let project: ReturnType<typeof projectDir>;

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    password = (await e2e.registryCredentials()).password;
    await buildTestImage(host, "gl/web:1", { layers: 2 });
  });
  afterAll(async () => {
    await e2e?.close();
  });
  beforeEach(() => {
    project = projectDir();
  });
  afterEach(() => project.close());

  it("pushes several tags with the job's masked key variables and writes the dotenv report", async () => {
    await e2e.createRepository("team/web");
    const token = idToken();
    // The component always declares the ID token; without role-arn it stays unused.
    const run = await runJob(
      e2e,
      project.path,
      { image: "gl/web:1", repository: "team/web", tags: "1.4.2, latest" },
      { AWS_ID_TOKEN: token },
    );
    expect(run.code, run.stderr).toBe(0);
    const dotenv = project.dotenv();
    const digest = reportedDigest(dotenv);
    expect(dotenv).toBe(expectedDotenv(e2e, "team/web", ["1.4.2", "latest"], digest));
    const seen = await skopeoInspect(
      `${e2e.local.registry}/team/web:latest`,
      await e2e.registryCredentials(),
    );
    expect(seen.Digest).toBe(digest);
    expect(run.stderr).toBe("");
    // Long work sits in collapsed sections; the layer cache is in the folder the component caches.
    const marker = (text: string) => new RegExp(`^\x1b\\[0K${text}\r\x1b\\[0K`, "m");
    expect(run.stdout).toMatch(marker("section_start:\\d+:ecr_push_1\\[collapsed=true\\]"));
    expect(run.stdout).toMatch(marker("section_end:\\d+:ecr_push_1"));
    expect(run.stdout).toContain(`  ECR_IMAGE_DIGEST=${digest}\n`);
    expect(readdirSync(path.join(project.path, ".ecr-push-cache")).length).toBeGreaterThan(0);
    expect(e2e.local.assumedRoles).toEqual([]);
    expectClean(run, dotenv, password, token);
  });

  it("assumes role-arn with the job's OIDC ID token (AssumeRoleWithWebIdentity) and never prints it", async () => {
    await e2e.createRepository("team/oidc");
    const token = idToken();
    const role = `arn:aws:iam::${e2e.local.accountId}:role/gitlab-oidc`;
    const run = await runJob(
      e2e,
      project.path,
      { image: "gl/web:1", repository: "team/oidc", "role-arn": role, "role-session-name": "gitlab-4242" },
      { ...NO_KEYS, AWS_ID_TOKEN: token },
    );
    expect(run.code, run.stderr).toBe(0);
    const assumed = e2e.local.assumedRoles.filter((r) => r.roleArn === role);
    expect(assumed).toEqual([
      expect.objectContaining({ action: "AssumeRoleWithWebIdentity", roleSessionName: "gitlab-4242" }),
    ]);
    expect(assumed[0]?.webIdentityToken).toBe(token);
    expect(
      e2e.local.calls.some(
        (c) => c.operation === "GetAuthorizationToken" && c.accessKeyId === assumed[0]?.accessKeyId,
      ),
    ).toBe(true);
    expect(run.stdout).toContain(`Using the job's ID token (AWS_ID_TOKEN) to assume ${role}.\n`);
    const dotenv = project.dotenv();
    expect(dotenv).toBe(expectedDotenv(e2e, "team/oidc", ["latest"], reportedDigest(dotenv)));
    expectClean(run, dotenv, token, password);
  });

  it("reads the ID token from the variable id-token-variable names", async () => {
    await e2e.createRepository("team/oidc-named");
    const token = idToken();
    const role = `arn:aws:iam::${e2e.local.accountId}:role/gitlab-named`;
    const run = await runJob(
      e2e,
      project.path,
      {
        image: "gl/web:1",
        repository: "team/oidc-named",
        "role-arn": role,
        "id-token-variable": "ECR_TOKEN",
      },
      { ...NO_KEYS, ECR_TOKEN: token },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(e2e.local.assumedRoles.find((r) => r.roleArn === role)?.webIdentityToken).toBe(token);
    expectClean(run, project.dotenv(), token, password);
  });

  it("pushes a docker-archive artifact of the build job with no docker CLI or daemon", async () => {
    await e2e.createRepository("team/archive");
    // The build job's artifact, downloaded into the project folder; named relative to it.
    await runOk("docker", ["save", "-o", path.join(project.path, "web.tar"), "gl/web:1"], {
      env: dockerEnv(host),
    });
    const run = await runJob(
      e2e,
      project.path,
      {
        image: "docker-archive:web.tar:gl/web:1",
        repository: "team/archive",
        tags: "from-archive",
        concurrency: "2",
      },
      NO_DOCKER,
    );
    expect(run.code, run.stderr).toBe(0);
    const dotenv = project.dotenv();
    const digest = reportedDigest(dotenv);
    expect(dotenv).toBe(expectedDotenv(e2e, "team/archive", ["from-archive"], digest));
    const seen = await skopeoInspect(
      `${e2e.local.registry}/team/archive:from-archive`,
      await e2e.registryCredentials(),
    );
    expect(seen.Digest).toBe(digest);
    expectClean(run, dotenv, password);
  });

  it("promotes a docker:// source with source-password, adds ECR_SOURCE_DIGEST, and prints no password", async () => {
    await e2e.createRepository("team/src");
    const seeded = await runJob(e2e, project.path, { image: "gl/web:1", repository: "team/src", tags: "1" });
    expect(seeded.code, seeded.stderr).toBe(0);
    const sourceDigest = reportedDigest(project.dotenv());
    const run = await runJob(
      e2e,
      project.path,
      {
        source: `docker://${e2e.local.registry}/team/src:1`,
        "source-username": "AWS",
        "source-password": password,
        repository: "team/promoted",
        "create-repository": "true",
      },
      NO_DOCKER,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(project.dotenv()).toBe(
      `${expectedDotenv(e2e, "team/promoted", ["1"], sourceDigest)}ECR_SOURCE_DIGEST=${sourceDigest}\n`,
    );
    expectClean(run, project.dotenv(), password);
  });

  it("fails bad input with exit code 2 and one sentence naming the component's input, writing nothing", async () => {
    const callsBefore = e2e.local.calls.length;
    const run = await runJob(e2e, project.path, {
      image: "gl/web:1",
      repository: "team/web",
      "image-tag-mutability": "sometimes",
    });
    expect(run.code).toBe(2);
    expect(oneError(run)).toBe(
      'error: Invalid image-tag-mutability "sometimes": use MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.',
    );
    expect(run.stdout).toBe("");
    expect(project.hasDotenv()).toBe(false);
    expect(e2e.local.calls.length).toBe(callsBefore);
    expectClean(run, "");
  });

  it("fails with exit code 1 and one sentence when the repository is missing, writing nothing", async () => {
    const run = await runJob(e2e, project.path, { image: "gl/web:1", repository: "team/not-there" });
    expect(run.code).toBe(1);
    expect(oneError(run)).toMatch(/team\/not-there.*set create-repository to create it/);
    expect(project.hasDotenv()).toBe(false);
    expectClean(run, "");
  });

  it("fails with one sentence and no secret when AWS rejects the keys given as inputs", async () => {
    const wrong = "wrong/Secret+Key/ThatMustNeverBePrinted77";
    const run = await runJob(
      e2e,
      project.path,
      {
        image: "gl/web:1",
        repository: "team/web",
        "aws-access-key-id": "AKIAE2ETEST000000001",
        "aws-secret-access-key": wrong,
      },
      NO_KEYS,
    );
    expect(run.code).toBe(1);
    expect(oneError(run)).toMatch(/^error: AWS rejected the credentials/);
    expect(existsSync(path.join(project.path, "ecr-push.env"))).toBe(false);
    expectClean(run, "", wrong);
  });
});
