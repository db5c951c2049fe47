import { randomBytes } from "node:crypto";
import { EcrFixture, TEST_KEYS } from "@ecr-push/e2e";
import { buildTestImage, dockerForTests, listLocalTags, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ActionRun, errorCommands, outputFileOf, runAction, startTokenEndpoint } from "./harness.js";

const dockerHost = dockerForTests();

/** Environment of a job with no AWS credentials at all (no configure-aws-credentials step). */
const NO_AWS_ENV = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };

/**
 * No secret (those given, and every value the run masked: role credentials, ECR's token, the registry
 * password) anywhere but on its own `::add-mask::` line; nothing left in TMPDIR or RUNNER_TEMP; no
 * raw Node warnings, no stack.
 */
function expectClean(run: ActionRun, ...given: string[]) {
  const masked = run.stdout
    .split("\n")
    .filter((line) => line.startsWith("::add-mask::"))
    .map((line) => line.slice("::add-mask::".length));
  const secrets = [TEST_KEYS.secretAccessKey, ...given, ...masked];
  expect(run.leftovers).toEqual([]);
  expect(run.runnerTempLeftovers).toEqual([]);
  expect(run.stderr).not.toMatch(/^\(node:\d+\)/m);
  expect(run.stdout).not.toMatch(/\n\s+at /);
  for (const secret of secrets) {
    for (const text of [run.stderr, run.outputFile, run.summary]) expect(text).not.toContain(secret);
    const lines = run.stdout.split("\n").filter((line) => line.includes(secret));
    expect(lines.every((line) => line === `::add-mask::${secret}`)).toBe(true);
  }
}

/** Each secret has its `::add-mask::` line before the first line that is neither a mask nor debug. */
function expectMaskedFirst(run: ActionRun, ...secrets: string[]) {
  const lines = run.stdout.split("\n");
  const firstLog = lines.findIndex(
    (line) => !line.startsWith("::add-mask::") && !line.startsWith("::debug::"),
  );
  for (const secret of secrets) {
    const mask = lines.indexOf(`::add-mask::${secret}`);
    expect(mask).toBeGreaterThan(-1);
    expect(mask).toBeLessThan(firstLog);
  }
}

describe.runIf(dockerHost)("the GitHub Action, run as the runner runs it (real Docker, local ECR)", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it("pushes several tags with access-key inputs: exact outputs, masks first, a summary", async () => {
    await e2e.createRepository("gh/web");
    await buildTestImage(host, "gh-e2e/web:1");
    const run = await runAction(
      e2e,
      {
        image: "gh-e2e/web:1",
        repository: "gh/web",
        tags: "1.4.2\nlatest, stable",
        "aws-access-key-id": TEST_KEYS.accessKeyId,
        "aws-secret-access-key": TEST_KEYS.secretAccessKey,
      },
      NO_AWS_ENV,
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const registry = e2e.local.registry;
    const uris = ["1.4.2", "latest", "stable"].map((tag) => `${registry}/gh/web:${tag}`);
    const seen = await skopeoInspect(uris[0] ?? "", await e2e.registryCredentials());
    const digest = seen.Digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.outputFile).toBe(
      outputFileOf([
        ["image-uri", uris[0] ?? ""],
        ["image-uris", uris.join("\n")],
        ["digest", digest],
        ["registry", registry],
        ["repository-created", "false"],
      ]),
    );
    expectMaskedFirst(run, TEST_KEYS.accessKeyId, TEST_KEYS.secretAccessKey);
    // ECR's authorization token and the registry password in it are masked before docker login.
    const lines = run.stdout.split("\n");
    const login = lines.findIndex((line) => line.includes("docker login"));
    const masks = lines.slice(0, login).filter((line) => line.startsWith("::add-mask::"));
    const [token, registryPassword] = masks.slice(2).map((line) => line.slice("::add-mask::".length));
    expect(Buffer.from(token ?? "", "base64").toString("utf8")).toBe(`AWS:${registryPassword}`);
    expect(run.stdout).toMatch(/^::group::Authenticating$/m);
    expect(run.stdout).toMatch(/^::endgroup::$/m);
    expect(errorCommands(run.stdout)).toEqual([]);
    // Time and size vary; the size must be ECR's (a number), not "not reported".
    expect(
      run.summary
        .replace(/\| \d+\.\d s \|/, "| T s |")
        .replace(/\| Size \| [\d.]+ (B|KiB|MiB) \|/, "| Size | S |"),
    ).toBe(
      [
        "### Pushed to Amazon ECR",
        "",
        "| | |",
        "| --- | --- |",
        `| Repository | \`gh/web\` in \`${registry}\` |`,
        "| Tags | `1.4.2` (pushed), `latest` (pushed), `stable` (pushed) |",
        `| Digest | \`${digest}\` |`,
        "| Size | S |",
        "| Repository status | existing |",
        "| Time taken | T s |",
        "",
      ].join("\n"),
    );
    const tags = await listLocalTags(host);
    expect(tags).toContain("gh-e2e/web:1");
    expect(tags.filter((tag) => tag.startsWith(registry))).toEqual([]);
    expectClean(run, token ?? "", registryPassword ?? "", TEST_KEYS.accessKeyId);
  });

  it("composes with configure-aws-credentials (keys in the environment) and creates the repository", async () => {
    await buildTestImage(host, "gh-e2e/created:1");
    const run = await runAction(e2e, {
      image: "gh-e2e/created:1",
      repository: "gh/created",
      "create-repository": "true",
      "image-tag-mutability": "IMMUTABLE",
      "scan-on-push": "true",
      "repository-tags": "team=web\ncost-center=42",
      "remove-local-image": "true",
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const registry = e2e.local.registry;
    expect(run.outputFile).toMatch(/^image-uri<<EOF\n.*:latest\nEOF\n/);
    expect(run.outputFile).toContain("repository-created<<EOF\ntrue\nEOF\n");
    expect(run.summary).toContain("| Repository status | created by this push |");
    expect(e2e.local.repository("gh/created")).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      scanOnPush: true,
      tags: [
        { Key: "team", Value: "web" },
        { Key: "cost-center", Value: "42" },
      ],
    });
    const tags = await listLocalTags(host);
    expect(tags).not.toContain("gh-e2e/created:1");
    expect(tags.filter((tag) => tag.startsWith(registry))).toEqual([]);
    expectClean(run);
  });

  describe("with GitHub's OIDC token", () => {
    const requestToken = `ghs_${randomBytes(16).toString("hex")}`;
    const claims = Buffer.from(
      JSON.stringify({ sub: "repo:octo/web:ref:refs/heads/main", aud: "sts.amazonaws.com" }),
    );
    const token = `eyJhbGciOiJSUzI1NiJ9.${claims.toString("base64url")}.${randomBytes(24).toString("base64url")}`;
    const roleArn = () => `arn:aws:iam::${e2e.local.accountId}:role/github-push`;

    it("exchanges the token for the role with AssumeRoleWithWebIdentity, masked before use", async () => {
      await e2e.createRepository("gh/oidc");
      await buildTestImage(host, "gh-e2e/oidc:1");
      const endpoint = await startTokenEndpoint({ token, requestToken });
      try {
        const run = await runAction(
          e2e,
          {
            image: "gh-e2e/oidc:1",
            repository: "gh/oidc",
            tags: "v1",
            "role-to-assume": roleArn(),
            "role-session-name": "gh-run-42",
          },
          { ...NO_AWS_ENV, ...endpoint.env },
        );
        expect(run.code, run.stdout + run.stderr).toBe(0);
        expect(endpoint.requests).toEqual([
          { audience: "sts.amazonaws.com", authorization: `Bearer ${requestToken}` },
        ]);
        const assumed = e2e.local.assumedRoles.filter((r) => r.roleArn === roleArn());
        expect(assumed).toEqual([
          expect.objectContaining({ action: "AssumeRoleWithWebIdentity", roleSessionName: "gh-run-42" }),
        ]);
        expect(assumed[0]?.webIdentityToken).toBe(token);
        // The pushing requests were signed with the role's temporary key, not the fixture's.
        const signed = e2e.local.calls.filter((c) => c.accessKeyId === assumed[0]?.accessKeyId);
        expect(signed.map((c) => c.operation)).toContain("GetAuthorizationToken");
        expectMaskedFirst(run, token);
        // Then the role's temporary secret key and session token, ECR's token and the registry password.
        expect(run.stdout.split("\n").filter((line) => line.startsWith("::add-mask::"))).toHaveLength(5);
        expect(run.outputFile).toContain(`image-uri<<EOF\n${e2e.local.registry}/gh/oidc:v1\nEOF\n`);
        expectClean(run, token, requestToken);
      } finally {
        await endpoint.close();
      }
    });

    it("promotes with OIDC alone: the source role too is exchanged for the job's token", async () => {
      // The image the test above pushed is the source, read as an ECR image of this account.
      await e2e.createRepository("gh/oidc-prod");
      const sourceRole = `arn:aws:iam::${e2e.local.accountId}:role/github-read`;
      const endpoint = await startTokenEndpoint({ token, requestToken });
      try {
        const run = await runAction(
          e2e,
          {
            source: `${e2e.local.accountId}.dkr.ecr.${e2e.local.region}.amazonaws.com/gh/oidc:v1`,
            "source-role-to-assume": sourceRole,
            repository: "gh/oidc-prod",
            tags: "prod",
            "role-to-assume": roleArn(),
          },
          { ...NO_AWS_ENV, ...endpoint.env },
        );
        expect(run.code, run.stdout + run.stderr).toBe(0);
        const assumed = e2e.local.assumedRoles.filter((r) => r.roleArn === sourceRole);
        expect(assumed).toEqual([expect.objectContaining({ action: "AssumeRoleWithWebIdentity" })]);
        expect(assumed[0]?.webIdentityToken).toBe(token);
        expect(run.outputFile).toContain(`image-uri<<EOF\n${e2e.local.registry}/gh/oidc-prod:prod\nEOF\n`);
        expectClean(run, token, requestToken);
      } finally {
        await endpoint.close();
      }
    });

    it("fails in one sentence naming the permission when GitHub refuses the token", async () => {
      const endpoint = await startTokenEndpoint({ token, requestToken, status: 403 });
      try {
        const before = e2e.local.calls.length;
        const run = await runAction(
          e2e,
          { image: "gh-e2e/oidc:1", repository: "gh/oidc", "role-to-assume": roleArn() },
          { ...NO_AWS_ENV, ...endpoint.env },
        );
        expect(run.code).toBe(1);
        expect(errorCommands(run.stdout)).toEqual([
          '::error::Could not get a GitHub OIDC token for role-to-assume (HTTP 403): add "permissions: id-token: write" to the workflow or job and check that the job can reach GitHub.',
        ]);
        expect(e2e.local.calls.length).toBe(before);
        expect(run.outputFile).toBe("");
        expect(run.summary).toBe("");
        expectClean(run, requestToken);
      } finally {
        await endpoint.close();
      }
    });

    it("without id-token permission or credentials, says to add the permission", async () => {
      const run = await runAction(
        e2e,
        { image: "gh-e2e/oidc:1", repository: "gh/oidc", "role-to-assume": roleArn() },
        NO_AWS_ENV,
      );
      expect(run.code).toBe(1);
      expect(errorCommands(run.stdout)).toEqual([
        '::error::No AWS credentials found to assume role-to-assume with: add "permissions: id-token: write" to the workflow or job so the action can use GitHub\'s OIDC token, give aws-access-key-id and aws-secret-access-key, or run aws-actions/configure-aws-credentials before this step.',
      ]);
      expectClean(run);
    });
  });

  it("assumes role-to-assume on top of access-key inputs, with the external id", async () => {
    await e2e.createRepository("gh/role");
    await buildTestImage(host, "gh-e2e/role:1");
    const roleArn = `arn:aws:iam::${e2e.local.accountId}:role/gh-keys-pusher`;
    const run = await runAction(
      e2e,
      {
        image: "gh-e2e/role:1",
        repository: "gh/role",
        "aws-access-key-id": TEST_KEYS.accessKeyId,
        "aws-secret-access-key": TEST_KEYS.secretAccessKey,
        "role-to-assume": roleArn,
        "role-external-id": "ext-7",
        "role-duration-seconds": "900",
      },
      // Even when the job could request an OIDC token, access keys win.
      { ...NO_AWS_ENV, ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:9/never?x=1" },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(e2e.local.assumedRoles.filter((r) => r.roleArn === roleArn)).toEqual([
      expect.objectContaining({
        action: "AssumeRole",
        externalId: "ext-7",
        durationSeconds: 900,
        roleSessionName: "ecr-push",
        callerAccessKeyId: TEST_KEYS.accessKeyId,
      }),
    ]);
    expectClean(run, TEST_KEYS.accessKeyId);
  });

  it("fails on bad input in one sentence naming the input, before anything is sent", async () => {
    const before = e2e.local.calls.length;
    const run = await runAction(e2e, { image: "gh-e2e/web:1", repository: "gh/web", tags: "ok, -bad" });
    expect(run.code).toBe(1);
    expect(errorCommands(run.stdout)).toEqual([
      '::error::Invalid tags "-bad": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.',
    ]);
    expect(e2e.local.calls.length).toBe(before);
    expect(run.outputFile).toBe("");
    expectClean(run);
  });

  it("names create-repository when the repository is missing", async () => {
    await buildTestImage(host, "gh-e2e/missing:1");
    const run = await runAction(e2e, { image: "gh-e2e/missing:1", repository: "gh/does-not-exist" });
    expect(run.code).toBe(1);
    expect(errorCommands(run.stdout)).toEqual([
      expect.stringMatching(/gh\/does-not-exist.*create-repository/),
    ]);
    expect(e2e.local.repository("gh/does-not-exist")).toBeUndefined();
    expectClean(run);
  });

  it("names the image input when the source image does not exist", async () => {
    const run = await runAction(e2e, { image: "gh-e2e/never-built:1", repository: "gh/web" });
    expect(run.code).toBe(1);
    expect(errorCommands(run.stdout)).toEqual([expect.stringMatching(/gh-e2e\/never-built:1.*check image/)]);
    expectClean(run);
  });

  it("masks a wrong secret key and reports rejected credentials in one sentence", async () => {
    const wrong = `wrong/${randomBytes(12).toString("base64")}`;
    const run = await runAction(
      e2e,
      {
        image: "gh-e2e/web:1",
        repository: "gh/web",
        "aws-access-key-id": TEST_KEYS.accessKeyId,
        "aws-secret-access-key": wrong,
      },
      NO_AWS_ENV,
    );
    expect(run.code).toBe(1);
    expect(errorCommands(run.stdout)).toEqual([
      expect.stringMatching(/^::error::AWS rejected the credentials/),
    ]);
    expectMaskedFirst(run, TEST_KEYS.accessKeyId, wrong);
    expectClean(run, wrong);
  });
});
