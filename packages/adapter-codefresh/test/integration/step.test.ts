import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import {
  buildTestImage,
  dockerEnv,
  dockerForTests,
  listLocalTags,
  runOk,
  skopeoInspect,
} from "@ecr-push/testkit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cfVolume, expectClean, expectedExports, exportedDigest, oneError, runStep } from "./harness.js";

const dockerHost = dockerForTests();

/** What an IRSA runtime gives the step: no keys, a role and a projected token file. */
const NO_KEYS = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };

describe.runIf(dockerHost)("the Codefresh step, built, on a real engine against the local ECR", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  let password: string;
  let volume: ReturnType<typeof cfVolume>;
  /** The token file an EKS Pod Identity association projects into the runtime's pod. */
  const podTokenDir = mkdtempSync(path.join(tmpdir(), "cf-pod-identity-"));
  const podTokenFile = path.join(podTokenDir, "eks-pod-identity-token");

  beforeAll(async () => {
    e2e = await EcrFixture.start(host, { podIdentity: { tokenFile: podTokenFile } });
    password = (await e2e.registryCredentials()).password;
  });
  afterAll(async () => {
    await e2e?.close();
    rmSync(podTokenDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    volume = cfVolume();
  });
  afterEach(() => volume.close());

  /** A web identity token file as a Kubernetes service account projects it. */
  function tokenFile(): { file: string; token: string } {
    const token = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.sig`;
    const file = path.join(volume.path, "..", `${path.basename(volume.path)}-token`);
    writeFileSync(file, `${token}\n`);
    return { file, token };
  }

  it("pushes several tags with explicit keys and appends the exports after earlier steps' ones", async () => {
    await e2e.createRepository("team/web");
    await buildTestImage(host, "cf/web:1", { layers: 2 });
    writeFileSync(path.join(volume.path, "env_vars_to_export"), "EARLIER=kept\n");
    const run = await runStep(e2e, {
      IMAGE: "cf/web:1",
      REPOSITORY: "team/web",
      TAGS: "1.4.2, latest",
      REGION: e2e.local.region,
      AWS_REGION: undefined,
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code, run.stderr).toBe(0);
    const exported = volume.exported();
    const digest = exportedDigest(exported);
    expect(exported).toBe(`EARLIER=kept\n${expectedExports(e2e, "team/web", ["1.4.2", "latest"], digest)}\n`);
    const seen = await skopeoInspect(
      `${e2e.local.registry}/team/web:latest`,
      await e2e.registryCredentials(),
    );
    expect(seen.Digest).toBe(digest);
    expect(run.stdout).toContain(`  ECR_IMAGE_DIGEST=${digest}\n`);
    expect(run.stderr).toBe("");
    expectClean(run, exported, password);
  });

  it("uses the runtime's service account (IRSA) through the default chain when no keys are given", async () => {
    await e2e.createRepository("team/irsa");
    await buildTestImage(host, "cf/irsa:1");
    const { file, token } = tokenFile();
    const roleArn = `arn:aws:iam::${e2e.local.accountId}:role/codefresh-runtime`;
    const run = await runStep(e2e, {
      ...NO_KEYS,
      AWS_ROLE_ARN: roleArn,
      AWS_WEB_IDENTITY_TOKEN_FILE: file,
      IMAGE: "cf/irsa:1",
      REPOSITORY: "team/irsa",
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code, run.stderr).toBe(0);
    const irsa = e2e.local.assumedRoles.filter((r) => r.roleArn === roleArn);
    expect(irsa).toEqual([expect.objectContaining({ action: "AssumeRoleWithWebIdentity" })]);
    expect(irsa[0]?.webIdentityToken?.trim()).toBe(token);
    const exported = volume.exported();
    expect(exported).toBe(`${expectedExports(e2e, "team/irsa", ["latest"], exportedDigest(exported))}\n`);
    expect(
      e2e.local.calls.some(
        (c) => c.operation === "GetAuthorizationToken" && c.accessKeyId === irsa[0]?.accessKeyId,
      ),
    ).toBe(true);
    expectClean(run, exported, token, password);
  });

  it("uses the runtime's EKS Pod Identity (container credentials, token file read again after rotation)", async () => {
    await e2e.createRepository("team/pod-identity");
    await buildTestImage(host, "cf/pod:1");
    const podIdentity = (token: string, tag: string) => {
      // Kubernetes projects the token without a trailing newline; the SDK sends the file as it is.
      writeFileSync(podTokenFile, token);
      return runStep(e2e, {
        ...NO_KEYS,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: e2e.local.podIdentityUri,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: podTokenFile,
        IMAGE: "cf/pod:1",
        REPOSITORY: "team/pod-identity",
        TAGS: tag,
        CF_VOLUME_PATH: volume.path,
      });
    };
    const first = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.pod`;
    const run = await podIdentity(first, "1");
    expect(run.code, run.stderr).toBe(0);
    const served = () => e2e.local.assumedRoles.filter((r) => r.action === "AssumeRoleForPodIdentity");
    expect(served()).toHaveLength(1);
    const signedBy = (key: string | undefined) =>
      e2e.local.calls.some((c) => c.operation === "GetAuthorizationToken" && c.accessKeyId === key);
    expect(signedBy(served()[0]?.accessKeyId)).toBe(true);
    expectClean(run, volume.exported(), first, password);

    // The kubelet rotated the token: the next run sends the new one, which alone is accepted now.
    const rotated = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.pod`;
    const again = await podIdentity(rotated, "2");
    expect(again.code, again.stderr).toBe(0);
    expect(served()).toHaveLength(2);
    expect(signedBy(served()[1]?.accessKeyId)).toBe(true);
    expectClean(again, volume.exported(), first, rotated, password);
  });

  it("says in one sentence that the Pod Identity agent refused the token, without the token", async () => {
    await buildTestImage(host, "cf/pod:1");
    const token = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.pod`;
    writeFileSync(podTokenFile, token);
    const stale = path.join(podTokenDir, "stale-token");
    const staleToken = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString("base64url")}.stale`;
    writeFileSync(stale, staleToken);
    const run = await runStep(e2e, {
      ...NO_KEYS,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: e2e.local.podIdentityUri,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: stale,
      IMAGE: "cf/pod:1",
      REPOSITORY: "team/web",
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code).toBe(1);
    expect(oneError(run)).toBe(
      `error: The container credentials endpoint ${e2e.local.podIdentityUri} refused the request (HTTP 401 AccessDeniedException): check that AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is the pod's current service account token, and that the pod's service account has an EKS Pod Identity association (or the task a role).`,
    );
    expectClean(run, "", token, staleToken, password);
  });

  it("assumes ROLE_ARN on top of the service account's role, with ROLE_SESSION_NAME", async () => {
    await e2e.createRepository("team/irsa-role");
    await buildTestImage(host, "cf/irsa-role:1");
    const { file, token } = tokenFile();
    const runtimeRole = `arn:aws:iam::${e2e.local.accountId}:role/runtime-2`;
    const pushRole = `arn:aws:iam::${e2e.local.accountId}:role/ecr-push`;
    const run = await runStep(e2e, {
      ...NO_KEYS,
      AWS_ROLE_ARN: runtimeRole,
      AWS_WEB_IDENTITY_TOKEN_FILE: file,
      IMAGE: "cf/irsa-role:1",
      REPOSITORY: "team/irsa-role",
      ROLE_ARN: pushRole,
      ROLE_SESSION_NAME: "codefresh-42",
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code, run.stderr).toBe(0);
    const base = e2e.local.assumedRoles.find((r) => r.roleArn === runtimeRole);
    expect(base?.action).toBe("AssumeRoleWithWebIdentity");
    const assumed = e2e.local.assumedRoles.find((r) => r.roleArn === pushRole);
    expect(assumed).toMatchObject({
      action: "AssumeRole",
      roleSessionName: "codefresh-42",
      callerAccessKeyId: base?.accessKeyId,
    });
    expect(
      e2e.local.calls.some(
        (c) => c.operation === "GetAuthorizationToken" && c.accessKeyId === assumed?.accessKeyId,
      ),
    ).toBe(true);
    expectClean(run, volume.exported(), token, password);
  });

  it("prefers explicit keys to the service account", async () => {
    await buildTestImage(host, "cf/keys:1");
    const { file, token } = tokenFile();
    const runtimeRole = `arn:aws:iam::${e2e.local.accountId}:role/runtime-unused`;
    const run = await runStep(e2e, {
      AWS_ROLE_ARN: runtimeRole,
      AWS_WEB_IDENTITY_TOKEN_FILE: file,
      IMAGE: "cf/keys:1",
      REPOSITORY: "team/web",
      TAGS: "keys",
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(e2e.local.assumedRoles.some((r) => r.roleArn === runtimeRole)).toBe(false);
    expectClean(run, volume.exported(), token, password);
  });

  it("creates a missing repository with the requested settings and removes the local image", async () => {
    await buildTestImage(host, "cf/create:1");
    const kmsKey = "alias/ecr-push";
    const run = await runStep(e2e, {
      IMAGE: "cf/create:1",
      REPOSITORY: "team/created",
      CREATE_REPOSITORY: "true",
      IMAGE_TAG_MUTABILITY: "IMMUTABLE",
      SCAN_ON_PUSH: "true",
      KMS_KEY: kmsKey,
      REGISTRY_ID: e2e.local.accountId,
      REMOVE_LOCAL_IMAGE: "true",
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(e2e.local.repository("team/created")).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      scanOnPush: true,
      encryptionType: "KMS",
      kmsKey,
    });
    const tags = await listLocalTags(host);
    expect(tags).not.toContain("cf/create:1");
    expect(tags.filter((t) => t.startsWith(e2e.local.registry))).toEqual([]);
    expectClean(run, volume.exported(), password);
  });

  it("pushes a daemonless source (a docker-archive tarball) without a Docker daemon", async () => {
    await e2e.createRepository("team/archive");
    await buildTestImage(host, "cf/archive:1");
    const archive = path.join(volume.path, "..", `${path.basename(volume.path)}-web.tar`);
    await runOk("docker", ["save", "-o", archive, "cf/archive:1"], { env: dockerEnv(host) });
    try {
      const run = await runStep(e2e, {
        IMAGE: `docker-archive:${archive}:cf/archive:1`,
        CONCURRENCY: "2",
        REPOSITORY: "team/archive",
        TAGS: "from-archive",
        DOCKER_HOST: "unix:///nonexistent/docker.sock",
        CF_VOLUME_PATH: volume.path,
      });
      expect(run.code, run.stderr).toBe(0);
      const exported = volume.exported();
      const digest = exportedDigest(exported);
      expect(exported).toBe(`${expectedExports(e2e, "team/archive", ["from-archive"], digest)}\n`);
      const seen = await skopeoInspect(
        `${e2e.local.registry}/team/archive:from-archive`,
        await e2e.registryCredentials(),
      );
      expect(seen.Digest).toBe(digest);
      expectClean(run, exported, password);
    } finally {
      rmSync(archive, { force: true });
    }
  });

  it("says CF_VOLUME_PATH is not set and still succeeds, printing the outputs", async () => {
    await buildTestImage(host, "cf/novolume:1");
    const run = await runStep(e2e, { IMAGE: "cf/novolume:1", REPOSITORY: "team/web", TAGS: "novolume" });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(
      "warning: CF_VOLUME_PATH is not set, so these outputs are printed but not exported to later steps:\n",
    );
    expect(run.stdout).toContain(`  ECR_IMAGE_URI=${e2e.local.registry}/team/web:novolume\n`);
    expect(run.stdout).toMatch(/^ {2}ECR_IMAGE_DIGEST=sha256:[a-f0-9]{64}$/m);
    expectClean(run, "", password);
  });

  it("fails bad input with exit code 2 and one sentence naming the argument, exporting nothing", async () => {
    const callsBefore = e2e.local.calls.length;
    const run = await runStep(e2e, {
      IMAGE: "cf/web:1",
      REPOSITORY: "team/web",
      IMAGE_TAG_MUTABILITY: "sometimes",
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code).toBe(2);
    expect(oneError(run)).toBe(
      'error: Invalid IMAGE_TAG_MUTABILITY "sometimes": use MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.',
    );
    expect(existsSync(path.join(volume.path, "env_vars_to_export"))).toBe(false);
    expect(e2e.local.calls.length).toBe(callsBefore);
    expectClean(run, "");
  });

  it("fails with exit code 1 and one sentence when the repository is missing", async () => {
    await buildTestImage(host, "cf/missing:1");
    const run = await runStep(e2e, {
      IMAGE: "cf/missing:1",
      REPOSITORY: "team/not-there",
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code).toBe(1);
    expect(oneError(run)).toMatch(/team\/not-there.*CREATE_REPOSITORY/);
    expect(existsSync(path.join(volume.path, "env_vars_to_export"))).toBe(false);
    expectClean(run, "");
  });

  it("fails with one sentence and no secret when AWS rejects the keys", async () => {
    await buildTestImage(host, "cf/wrong:1");
    const wrong = "wrong/Secret+Key/ThatMustNeverBePrinted77";
    const run = await runStep(e2e, {
      IMAGE: "cf/wrong:1",
      REPOSITORY: "team/web",
      AWS_SECRET_ACCESS_KEY: wrong,
      CF_VOLUME_PATH: volume.path,
    });
    expect(run.code).toBe(1);
    expect(oneError(run)).toMatch(/credentials/i);
    expectClean(run, "", wrong);
  });
});
