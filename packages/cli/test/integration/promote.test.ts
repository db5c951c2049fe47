import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture, errorLines, registryCredentialsOf, TEST_KEYS } from "@ecr-push/e2e";
import { type LocalEcr, startLocalEcr } from "@ecr-push/ecr-local";
import {
  buildTestImage,
  dockerEnv,
  dockerForTests,
  dockerRegistryMissing,
  type LocalRegistry,
  opensslCliMissing,
  realPartAvailable,
  run,
  runOk,
  skopeoInspect,
  skopeoRawManifest,
  startDockerRegistry,
  startNamedRegistryProxy,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();
const hasRegistry = realPartAvailable("Debian's docker-registry", dockerRegistryMissing());
const hasOpenssl = realPartAvailable("The openssl CLI", opensslCliMissing());
const LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const SOURCE_ACCOUNT = "210987654321";
const SOURCE_REGION = "us-west-2";
const SOURCE_HOST = `${SOURCE_ACCOUNT}.dkr.ecr.${SOURCE_REGION}.amazonaws.com`;

describe.runIf(dockerHost)("ecr-push promote, end to end (two local ECR endpoints, real SDK)", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  let source: LocalEcr;
  let sourceCredentials: { username: string; password: string };
  let imageDigest: string;
  let indexDigest: string;
  /** The CLI run against the source endpoint (to put images there). */
  const sourceEnv = () => ({
    AWS_ENDPOINT_URL_ECR: source.endpoint,
    AWS_ENDPOINT_URL_STS: source.endpoint,
    AWS_REGION: SOURCE_REGION,
  });
  const received = () => e2e.local.stats.blobBytesReceived;

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    source = await startLocalEcr({ ...TEST_KEYS, accountId: SOURCE_ACCOUNT, region: SOURCE_REGION });
    sourceCredentials = await registryCredentialsOf(source);
    await buildTestImage(host, "e2e/promote:amd64", { layers: 2, sizeBytes: 768 * 1024 });
    await buildTestImage(host, "e2e/promote:arm64", { layers: 1, sizeBytes: 256 * 1024 });
    const children: { digest: string; size: number; platform: string }[] = [];
    for (const [tag, platform] of [
      ["amd64", "linux/amd64"],
      ["arm64", "linux/arm64"],
    ] as const) {
      const pushed = await cli(
        e2e,
        ["push", `e2e/promote:${tag}`, "-r", "team/web", "-t", tag, "--create-repository", "--json"],
        sourceEnv(),
      );
      expect(pushed.code, pushed.stderr).toBe(0);
      const digest = JSON.parse(pushed.stdout).digest as string;
      const raw = await skopeoRawManifest(`${source.registry}/team/web@${digest}`, sourceCredentials);
      children.push({ digest, size: Buffer.byteLength(raw), platform });
    }
    imageDigest = children[0]?.digest ?? "";
    // A multi-platform index over both, put as a registry client would.
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: LIST,
      manifests: children.map((c) => {
        const [os, architecture] = c.platform.split("/");
        return {
          mediaType: "application/vnd.docker.distribution.manifest.v2+json",
          digest: c.digest,
          size: c.size,
          platform: { os, architecture },
        };
      }),
    });
    const put = await fetch(`http://${source.registry}/v2/team/web/manifests/multi`, {
      method: "PUT",
      headers: {
        "Content-Type": LIST,
        Authorization: `Basic ${Buffer.from(`AWS:${sourceCredentials.password}`).toString("base64")}`,
      },
      body: index,
    });
    expect(put.status).toBe(201);
    indexDigest = put.headers.get("docker-content-digest") ?? "";
  });
  afterAll(async () => {
    await e2e?.close();
    await source?.close();
  });

  const ecrSource = (ref: string) => [
    "promote",
    `${SOURCE_HOST}/${ref}`,
    "--source-endpoint-url",
    source.endpoint,
  ];

  it("copies an image across accounts and regions with the same digest, then copies nothing the second time", async () => {
    const before = received();
    const run1 = await cli(e2e, [
      ...ecrSource("team/web:amd64"),
      "-r",
      "prod/web",
      "-t",
      "1.0",
      "--create-repository",
      "--json",
    ]);
    expect(run1.code, run1.stderr).toBe(0);
    const doc = JSON.parse(run1.stdout);
    expect(doc).toMatchObject({
      imageUri: `${e2e.local.registry}/prod/web:1.0`,
      digest: imageDigest,
      sourceDigest: imageDigest,
      registry: e2e.local.registry,
      repository: "prod/web",
      registryId: e2e.local.accountId,
      region: e2e.local.region,
      repositoryCreated: true,
      transfer: { blobsCopied: 3, blobsSkipped: 0, blobsMounted: 0 },
    });
    expect(doc.transfer.bytesCopied).toBeGreaterThan(768 * 1024);
    // What the destination received is exactly what the copy says it sent.
    expect(received() - before).toBe(doc.transfer.bytesCopied);
    const credentials = await e2e.registryCredentials();
    const seenSource = await skopeoInspect(`${source.registry}/team/web:amd64`, sourceCredentials);
    const seenTarget = await skopeoInspect(`${e2e.local.registry}/prod/web:1.0`, credentials);
    expect(seenTarget.Digest).toBe(seenSource.Digest);
    expect(seenTarget.Layers).toEqual(seenSource.Layers);
    expectClean(run1, e2e.local.secretAccessKey, sourceCredentials.password);

    const again = received();
    const run2 = await cli(e2e, [...ecrSource("team/web:amd64"), "-r", "prod/web", "-t", "1.0", "--json"]);
    expect(run2.code, run2.stderr).toBe(0);
    expect(JSON.parse(run2.stdout).transfer).toEqual({
      blobsCopied: 0,
      blobsSkipped: 3,
      blobsMounted: 0,
      bytesCopied: 0,
      manifestsPut: 1,
    });
    expect(received() - again).toBe(0);
  });

  it.runIf(hasOpenssl)("reads an ECR source written in its dual-stack form through that host", async () => {
    // Real ECR's proxyEndpoint names the IPv4 host; the source as written names the dual-stack one,
    // reached here through a proxy that ends TLS for that name and relays to the source endpoint.
    const dualStack = `${SOURCE_ACCOUNT}.dkr-ecr.${SOURCE_REGION}.on.aws`;
    const proxy = await startNamedRegistryProxy(source.endpoint, [dualStack]);
    source.announceRegistryHost(SOURCE_HOST);
    try {
      const run = await cli(
        e2e,
        [
          "promote",
          `${dualStack}/team/web:amd64`,
          "--source-endpoint-url",
          source.endpoint,
          "-r",
          "prod/from-dual-stack",
          "-t",
          "1.0",
          "--create-repository",
          "--json",
        ],
        { HTTPS_PROXY: proxy.proxyUrl, AWS_CA_BUNDLE: proxy.caFile },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        imageUri: `${e2e.local.registry}/prod/from-dual-stack:1.0`,
        digest: imageDigest,
        sourceDigest: imageDigest,
      });
      expect(proxy.connects.length).toBeGreaterThan(0);
      expect(new Set(proxy.connects)).toEqual(new Set([`${dualStack}:443`]));
    } finally {
      source.announceRegistryHost(undefined);
      await proxy.close();
    }
  });

  it("reads an ECR source with a role of its own (--source-role-arn), separate from the destination's keys", async () => {
    const roleArn = `arn:aws:iam::${SOURCE_ACCOUNT}:role/ecr-read`;
    const run1 = await cli(
      e2e,
      [
        ...ecrSource("team/web:arm64"),
        "-r",
        "prod/role",
        "--create-repository",
        "--source-role-arn",
        roleArn,
      ],
      // STS of the source's account; the destination uses plain keys and never calls STS.
      { AWS_ENDPOINT_URL_STS: source.endpoint },
    );
    expect(run1.code, run1.stderr).toBe(0);
    const assumed = source.assumedRoles.at(-1);
    expect(assumed).toMatchObject({
      action: "AssumeRole",
      roleArn,
      callerAccessKeyId: TEST_KEYS.accessKeyId,
    });
    const sourceToken = source.calls.filter((c) => c.operation === "GetAuthorizationToken").at(-1);
    expect(sourceToken?.accessKeyId).toBe(assumed?.accessKeyId);
    const targetCalls = e2e.local.calls.slice(-3);
    expect(targetCalls.every((c) => c.accessKeyId === TEST_KEYS.accessKeyId)).toBe(true);
  });

  it("within one registry, tries a cross-repository mount and copies when it is refused (ECR's default)", async () => {
    const here = `${e2e.local.accountId}.dkr.ecr.${e2e.local.region}.amazonaws.com`;
    const first = await cli(e2e, [...ecrSource("team/web:arm64"), "-r", "same/one", "--create-repository"]);
    expect(first.code, first.stderr).toBe(0);
    const run1 = await cli(e2e, [
      "promote",
      `${here}/same/one:arm64`,
      "--source-endpoint-url",
      e2e.local.endpoint,
      "-r",
      "same/two",
      "--create-repository",
      "--json",
    ]);
    expect(run1.code, run1.stderr).toBe(0);
    expect(JSON.parse(run1.stdout).transfer).toMatchObject({ blobsMounted: 0, blobsCopied: 2 });
  });

  it("within one registry with BLOB_MOUNTING enabled, mounts every blob and sends no layer bytes", async () => {
    const { ECRClient, PutAccountSettingCommand } = await import("@aws-sdk/client-ecr");
    const ecr = new ECRClient({
      region: e2e.local.region,
      endpoint: e2e.local.endpoint,
      credentials: TEST_KEYS,
    });
    await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "ENABLED" }));
    try {
      const here = `${e2e.local.accountId}.dkr.ecr.${e2e.local.region}.amazonaws.com`;
      const first = await cli(e2e, [
        ...ecrSource("team/web:arm64"),
        "-r",
        "mount/one",
        "--create-repository",
      ]);
      expect(first.code, first.stderr).toBe(0);
      const bytes = received();
      const mounted = e2e.local.stats.blobsMounted;
      const run1 = await cli(e2e, [
        "promote",
        `${here}/mount/one:arm64`,
        "--source-endpoint-url",
        e2e.local.endpoint,
        "-r",
        "mount/two",
        "--create-repository",
        "--json",
      ]);
      expect(run1.code, run1.stderr).toBe(0);
      expect(JSON.parse(run1.stdout).transfer).toMatchObject({
        blobsMounted: 2,
        blobsCopied: 0,
        bytesCopied: 0,
      });
      expect(e2e.local.stats.blobsMounted - mounted).toBe(2);
      expect(received() - bytes).toBe(0);
      const credentials = await e2e.registryCredentials();
      expect((await skopeoInspect(`${e2e.local.registry}/mount/two:arm64`, credentials)).Digest).toBe(
        (await skopeoInspect(`${e2e.local.registry}/mount/one:arm64`, credentials)).Digest,
      );
    } finally {
      await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "DISABLED" }));
      ecr.destroy();
    }
  });

  it("promotes a multi-platform index intact, children first, by digest", async () => {
    const run1 = await cli(e2e, [
      ...ecrSource("team/web:multi"),
      "-r",
      "prod/multi",
      "--create-repository",
      "--json",
    ]);
    expect(run1.code, run1.stderr).toBe(0);
    const doc = JSON.parse(run1.stdout);
    expect(doc.digest).toBe(indexDigest);
    expect(doc.sourceDigest).toBe(indexDigest);
    expect(doc.tags).toEqual(["multi"]);
    const credentials = await e2e.registryCredentials();
    expect(await skopeoRawManifest(`${e2e.local.registry}/prod/multi:multi`, credentials)).toBe(
      await skopeoRawManifest(`${source.registry}/team/web:multi`, sourceCredentials),
    );
    expect(e2e.local.repository("prod/multi")?.imageDigests).toHaveLength(3);
  });

  it("keeps only the platform asked for, as that image manifest alone, and says that the digest changed", async () => {
    const run1 = await cli(e2e, [
      ...ecrSource("team/web:multi"),
      "-r",
      "prod/arm",
      "--create-repository",
      "--platform",
      "linux/arm64",
      "--json",
    ]);
    expect(run1.code, run1.stderr).toBe(0);
    const doc = JSON.parse(run1.stdout);
    expect(doc.sourceDigest).toBe(indexDigest);
    expect(doc.digest).not.toBe(indexDigest);
    expect(run1.stderr).toContain(
      `Only the linux/arm64 image of the index was copied, so the digest is that image manifest's (${doc.digest}), not the index's (${indexDigest}).`,
    );
    const credentials = await e2e.registryCredentials();
    const manifest = JSON.parse(await skopeoRawManifest(`${e2e.local.registry}/prod/arm:multi`, credentials));
    expect(manifest.manifests).toBeUndefined();
    // The source's team/web:arm64 image, by digest (the test images' configs all say amd64).
    const arm64 = (await skopeoInspect(`${source.registry}/team/web:arm64`, sourceCredentials)).Digest;
    expect(doc.digest).toBe(arm64);
    expect((await skopeoInspect(`${e2e.local.registry}/prod/arm:multi`, credentials)).Digest).toBe(arm64);
    // Both platforms asked for: every entry is kept, so the index keeps its digest.
    const both = await cli(e2e, [
      ...ecrSource("team/web:multi"),
      "-r",
      "prod/arm",
      "-t",
      "both",
      "--platform",
      "linux/arm64,linux/amd64",
      "--json",
    ]);
    expect(both.code, both.stderr).toBe(0);
    expect(JSON.parse(both.stdout).digest).toBe(indexDigest);
    const none = await cli(e2e, [
      ...ecrSource("team/web:multi"),
      "-r",
      "prod/arm",
      "--platform",
      "linux/s390x",
    ]);
    expect(none.code).toBe(2);
    expect(errorLines(none.stderr, "error: ")).toEqual([
      expect.stringMatching(
        /^error: Invalid --platform "linux\/s390x": .* has no such platform \(it has linux\/amd64, linux\/arm64\)/,
      ),
    ]);
  });

  it("reads a docker:// source with the Docker config's credentials, or a password from stdin", async () => {
    const config = mkdtempSync(path.join(tmpdir(), "docker-config-"));
    try {
      const auth = Buffer.from(`AWS:${sourceCredentials.password}`).toString("base64");
      writeFileSync(
        path.join(config, "config.json"),
        JSON.stringify({ auths: { [source.registry]: { auth } } }),
      );
      const viaConfig = await cli(
        e2e,
        [
          "promote",
          `docker://${source.registry}/team/web:arm64`,
          "-r",
          "prod/from-config",
          "--create-repository",
        ],
        { DOCKER_CONFIG: config },
      );
      expect(viaConfig.code, viaConfig.stderr).toBe(0);
      expectClean(viaConfig, sourceCredentials.password);

      // A credential helper, as Docker Desktop and cloud CLIs configure them: docker-credential-NAME
      // on PATH answers `get` with the host on stdin. This one records what it was asked.
      const helpers = mkdtempSync(path.join(tmpdir(), "credential-helpers-"));
      const asked = path.join(helpers, "asked");
      const helper = path.join(helpers, "docker-credential-e2e");
      writeFileSync(
        helper,
        `#!${process.execPath}
const fs = require("node:fs");
const host = fs.readFileSync(0, "utf8");
fs.appendFileSync(${JSON.stringify(asked)}, process.argv.slice(2).join(" ") + " " + host + "\\n");
if (host !== ${JSON.stringify(source.registry)}) { console.log("credentials not found in native keychain"); process.exit(1); }
console.log(JSON.stringify({ ServerURL: host, Username: "AWS", Secret: ${JSON.stringify(sourceCredentials.password)} }));
`,
      );
      chmodSync(helper, 0o755);
      writeFileSync(
        path.join(config, "config.json"),
        JSON.stringify({ credHelpers: { [source.registry]: "e2e" } }),
      );
      try {
        const viaHelper = await cli(
          e2e,
          [
            "promote",
            `docker://${source.registry}/team/web:arm64`,
            "-r",
            "prod/from-helper",
            "--create-repository",
          ],
          { DOCKER_CONFIG: config, PATH: `${helpers}${path.delimiter}${process.env.PATH}` },
        );
        expect(readFileSync(asked, "utf8")).toBe(`get ${source.registry}\n`);
        expect(viaHelper.code, viaHelper.stderr).toBe(0);
        expectClean(viaHelper, sourceCredentials.password);
      } finally {
        rmSync(helpers, { recursive: true, force: true });
      }
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
    const home = mkdtempSync(path.join(tmpdir(), "promote-home-"));
    try {
      const env = Object.fromEntries(
        Object.entries({ ...e2e.env(), HOME: home, TMPDIR: home }).filter(
          (e): e is [string, string] => !!e[1],
        ),
      );
      const args = [CLI, "promote", `docker://${source.registry}/team/web:arm64`, "-r", "prod/from-stdin"];
      const viaStdin = await run(
        process.execPath,
        [...args, "--create-repository", "--source-username", "AWS", "--source-password-stdin", "--debug"],
        { env, input: `${sourceCredentials.password}\n` },
      );
      expect(viaStdin.code, viaStdin.stderr).toBe(0);
      expect(viaStdin.stderr).not.toContain(sourceCredentials.password);
      const refused = await run(
        process.execPath,
        [...args, "--create-repository", "--source-username", "AWS", "--source-password-stdin"],
        { env, input: "wrong-password\n" },
      );
      expect(refused.code).toBe(1);
      expect(errorLines(refused.stderr, "error: ")).toEqual([
        expect.stringMatching(
          /^error: The source registry .* refused to let team\/web be read: check the source credentials/,
        ),
      ]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("fails in one sentence when the source image does not exist, and creates nothing", async () => {
    const run1 = await cli(e2e, [...ecrSource("team/web:nope"), "-r", "prod/web", "-t", "nope"]);
    expect(run1.code).toBe(1);
    expect(errorLines(run1.stderr, "error: ")).toEqual([
      expect.stringMatching(
        /^error: The source image .*team\/web:nope was not found in 127\.0\.0\.1:\d+: check SOURCE\.$/,
      ),
    ]);
    expect(e2e.local.repository("prod/web")?.imageTags.nope).toBeUndefined();
  });

  describe.runIf(hasRegistry)("from Debian's docker-registry", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "promote-distribution-"));
    let registry = "";
    let distribution: LocalRegistry | undefined;

    beforeAll(async () => {
      distribution = await startDockerRegistry();
      registry = distribution.host;
      const archive = path.join(dir, "image.tar");
      await buildTestImage(host, "e2e/distribution:1", { layers: 2, sizeBytes: 512 * 1024 });
      await runOk("docker", ["save", "-o", archive, "e2e/distribution:1"], { env: dockerEnv(host) });
      await runOk("skopeo", [
        "copy",
        "-q",
        "--dest-tls-verify=false",
        `docker-archive:${archive}`,
        `docker://${registry}/team/dist:1`,
      ]);
    });
    afterAll(async () => {
      await distribution?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("copies an image into ECR with the digest skopeo sees on both sides", async () => {
      const before = received();
      const run1 = await cli(e2e, [
        "promote",
        `docker://${registry}/team/dist:1`,
        "-r",
        "dist/web",
        "--create-repository",
        "--json",
      ]);
      expect(run1.code, run1.stderr).toBe(0);
      const doc = JSON.parse(run1.stdout);
      const seenSource = await skopeoInspect(`${registry}/team/dist:1`);
      const seenTarget = await skopeoInspect(
        `${e2e.local.registry}/dist/web:1`,
        await e2e.registryCredentials(),
      );
      expect(doc.digest).toBe(seenSource.Digest);
      expect(seenTarget.Digest).toBe(seenSource.Digest);
      expect(received() - before).toBe(doc.transfer.bytesCopied);
      expect(doc.transfer.blobsCopied).toBe(3);
      const again = await cli(e2e, [
        "promote",
        `docker://${registry}/team/dist:1`,
        "-r",
        "dist/web",
        "--json",
      ]);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).transfer.bytesCopied).toBe(0);
      expectClean(run1);
    });
  });
});
