import { createHash } from "node:crypto";
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRegistriesCommand,
  DescribeRepositoriesCommand,
  ECRPUBLICClient,
  GetAuthorizationTokenCommand,
  GetRepositoryCatalogDataCommand,
  InvalidParameterException,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from "@aws-sdk/client-ecr-public";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { localEcr } from "./helpers.js";

function publicClient(ecr: LocalEcr, region = "us-east-1"): ECRPUBLICClient {
  const { accessKeyId, secretAccessKey } = ecr;
  return new ECRPUBLICClient({
    endpoint: ecr.endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

/** A Bearer token from the public token service, for the GetAuthorizationToken password. */
async function bearerToken(ecr: LocalEcr, password: string): Promise<Response> {
  return fetch(`http://${ecr.publicRegistry}/token/?service=${ecr.publicRegistry}&scope=aws`, {
    headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString("base64")}` },
  });
}

describe("ECR Public control plane with @aws-sdk/client-ecr-public", () => {
  let ecr: LocalEcr;
  beforeAll(async () => {
    ecr = await localEcr({ accountId: "111122223333", region: "eu-west-1", publicRegistryAlias: "k7t2q9" });
  });
  afterAll(() => ecr.close());

  it("assigns the registry alias with the first repository, created with catalog data and tags", async () => {
    const client = publicClient(ecr);
    const before = await client.send(new DescribeRegistriesCommand({}));
    expect(before.registries?.[0]).toMatchObject({ registryId: "111122223333", aliases: [] });

    const logo = Buffer.from("\x89PNG\r\n\x1a\nnot really a png");
    const created = await client.send(
      new CreateRepositoryCommand({
        repositoryName: "team/web",
        catalogData: {
          description: "A web server",
          aboutText: "# About",
          usageText: "docker run it",
          architectures: ["x86-64", "ARM 64"],
          operatingSystems: ["Linux"],
          logoImageBlob: logo,
        },
        tags: [{ Key: "owner", Value: "platform" }],
      }),
    );
    expect(created.repository).toMatchObject({
      repositoryArn: "arn:aws:ecr-public::111122223333:repository/team/web",
      registryId: "111122223333",
      repositoryName: "team/web",
      repositoryUri: `${ecr.publicRegistry}/k7t2q9/team/web`,
    });
    expect(created.catalogData).toMatchObject({
      description: "A web server",
      architectures: ["x86-64", "ARM 64"],
      operatingSystems: ["Linux"],
      marketplaceCertified: false,
    });
    expect(created.catalogData?.logoUrl).toMatch(/^http:\/\//);
    expect(ecr.publicRepository("team/web")).toMatchObject({
      uri: `${ecr.publicRegistry}/k7t2q9/team/web`,
      catalogData: { aboutText: "# About", usageText: "docker run it", logoBytes: logo.length },
      tags: [{ Key: "owner", Value: "platform" }],
    });

    const registries = await client.send(new DescribeRegistriesCommand({}));
    expect(registries.registries?.[0]).toMatchObject({
      registryUri: `${ecr.publicRegistry}/k7t2q9`,
      aliases: [{ name: "k7t2q9", status: "ACTIVE", primaryRegistryAlias: true, defaultRegistryAlias: true }],
    });
    const described = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ["team/web"] }));
    expect(described.repositories?.[0]?.repositoryUri).toBe(`${ecr.publicRegistry}/k7t2q9/team/web`);
    const catalog = await client.send(new GetRepositoryCatalogDataCommand({ repositoryName: "team/web" }));
    expect(catalog.catalogData?.usageText).toBe("docker run it");
    // The private registry knows nothing of it.
    expect(ecr.repository("team/web")).toBeUndefined();
    expect(ecr.calls.filter((c) => c.service === "ecr-public").map((c) => c.operation)).toContain(
      "CreateRepository",
    );
  });

  it("answers ECR Public's errors: a taken name, a missing repository, catalog data over its limits", async () => {
    const client = publicClient(ecr);
    await client.send(new CreateRepositoryCommand({ repositoryName: "taken" }));
    await expect(
      client.send(new CreateRepositoryCommand({ repositoryName: "taken" })),
    ).rejects.toBeInstanceOf(RepositoryAlreadyExistsException);
    await expect(
      client.send(new DescribeRepositoriesCommand({ repositoryNames: ["missing"] })),
    ).rejects.toBeInstanceOf(RepositoryNotFoundException);
    const invalid = [
      { description: "d".repeat(1025) },
      { aboutText: "a".repeat(25601) },
      { usageText: "u".repeat(25601) },
      { architectures: Array.from({ length: 51 }, (_, i) => `a${i}`) },
      { operatingSystems: ["x".repeat(51)] },
      { architectures: [""] },
      { logoImageBlob: Buffer.alloc(384_001) },
    ];
    for (const catalogData of invalid) {
      const error = await client
        .send(new CreateRepositoryCommand({ repositoryName: "too-much", catalogData }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error, JSON.stringify(Object.keys(catalogData))).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toMatch(
        /^Invalid parameter at 'catalogData\.\w+' failed to satisfy constraint/,
      );
    }
    // Values other than the Gallery's badges are kept (they only do not show in the Gallery).
    await client.send(
      new CreateRepositoryCommand({
        repositoryName: "odd-arch",
        catalogData: { architectures: ["riscv64"] },
      }),
    );
    await expect(
      client.send(new CreateRepositoryCommand({ repositoryName: "Upper" })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      client.send(new CreateRepositoryCommand({ repositoryName: `a${"b".repeat(205)}` })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    expect(ecr.publicRepository("too-much")).toBeUndefined();
  });

  it("signs for us-east-1 only, as ECR Public's API exists there alone", async () => {
    await expect(publicClient(ecr, "eu-west-1").send(new DescribeRegistriesCommand({}))).rejects.toThrow(
      /region|scope/i,
    );
  });

  it("serves ALIAS/NAME on the public host with Bearer tokens bought with the token's password", async () => {
    const client = publicClient(ecr);
    await client.send(new CreateRepositoryCommand({ repositoryName: "blobs" }));
    const auth = await client.send(new GetAuthorizationTokenCommand({}));
    expect(auth.authorizationData?.expiresAt).toBeInstanceOf(Date);
    const decoded = Buffer.from(auth.authorizationData?.authorizationToken ?? "", "base64").toString("utf8");
    expect(decoded).toMatch(/^AWS:/);
    const password = decoded.slice(4);

    const base = `http://${ecr.publicRegistry}/v2/${ecr.publicRegistryAlias}/blobs`;
    const anonymous = await fetch(`${base}/tags/list`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe(
      `Bearer realm="http://${ecr.publicRegistry}/token/",service="${ecr.publicRegistry}",scope="aws"`,
    );
    // The password itself is no registry credential: only the token service takes it.
    const basic = await fetch(`${base}/tags/list`, {
      headers: { Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString("base64")}` },
    });
    expect(basic.status).toBe(401);
    expect((await bearerToken(ecr, "wrong")).status).toBe(401);
    const answer = (await (await bearerToken(ecr, password)).json()) as { token: string; expires_in: number };
    expect(answer.expires_in).toBeGreaterThan(0);
    const bearer = { Authorization: `Bearer ${answer.token}` };

    const blob = Buffer.from("public layer");
    const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
    const started = await fetch(`${base}/blobs/uploads/`, { method: "POST", headers: bearer });
    expect(started.status).toBe(202);
    const location = new URL(started.headers.get("location") ?? "", base);
    expect(location.pathname.startsWith(`/v2/${ecr.publicRegistryAlias}/blobs/blobs/uploads/`)).toBe(true);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, { method: "PUT", headers: bearer, body: blob });
    expect(put.status).toBe(201);
    const config = Buffer.from("{}");
    const configDigest = `sha256:${createHash("sha256").update(config).digest("hex")}`;
    const configStart = await fetch(`${base}/blobs/uploads/`, { method: "POST", headers: bearer });
    const configAt = new URL(configStart.headers.get("location") ?? "", base);
    configAt.searchParams.set("digest", configDigest);
    expect((await fetch(configAt, { method: "PUT", headers: bearer, body: config })).status).toBe(201);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: configDigest,
        size: config.length,
      },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest, size: blob.length }],
    });
    const pushed = await fetch(`${base}/manifests/v1`, {
      method: "PUT",
      headers: { ...bearer, "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
      body: manifest,
    });
    expect(pushed.status).toBe(201);
    expect(ecr.publicRepository("blobs")?.imageTags).toEqual({
      v1: `sha256:${createHash("sha256").update(manifest).digest("hex")}`,
    });
    const images = await client.send(new DescribeImagesCommand({ repositoryName: "blobs" }));
    expect(images.imageDetails?.[0]?.imageTags).toEqual(["v1"]);

    // Anyone may pull with an anonymous token, and only pull.
    const anonymousToken = (await (await fetch(`http://${ecr.publicRegistry}/token/`)).json()) as {
      token: string;
    };
    const reader = { Authorization: `Bearer ${anonymousToken.token}` };
    const pulled = await fetch(`${base}/manifests/v1`, {
      headers: { ...reader, Accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(pulled.status).toBe(200);
    expect(await pulled.text()).toBe(manifest);
    const anonymousPush = await fetch(`${base}/blobs/uploads/`, { method: "POST", headers: reader });
    expect(anonymousPush.status).toBe(401);

    // Another alias, or the private host, does not reach the public repository.
    const other = await fetch(`http://${ecr.publicRegistry}/v2/other/blobs/tags/list`, { headers: bearer });
    expect(other.status).toBe(404);
    const privateHost = await fetch(`http://${ecr.registry}/v2/${ecr.publicRegistryAlias}/blobs/tags/list`, {
      headers: bearer,
    });
    expect(privateHost.status).toBe(401);
  });
});
