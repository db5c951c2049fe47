import { createHash, randomBytes } from "node:crypto";
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ImageAlreadyExistsException,
  ImageNotFoundException,
  ImageStorageClassUpdateNotSupportedException,
  InvalidParameterException,
  ListImagesCommand,
  PutImageCommand,
  UpdateImageStorageClassCommand,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { ecrClient, localEcr, registryPassword } from "./helpers.js";

const sha256 = (data: Uint8Array | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

async function firstError(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { errors: { code: string; message: string }[] };
  return body.errors[0] ?? { code: "", message: "" };
}

describe("OCI distribution API", () => {
  let ecr: LocalEcr;
  let auth: string;
  const v2 = (path: string, init: RequestInit = {}) =>
    fetch(`${ecr.endpoint}/v2/${path}`, { ...init, headers: { authorization: auth, ...init.headers } });

  async function pushBlob(repo: string, data: Uint8Array): Promise<string> {
    const started = await v2(`${repo}/blobs/uploads/`, { method: "POST" });
    expect(started.status).toBe(202);
    const location = started.headers.get("location") ?? "";
    expect(started.headers.get("docker-upload-uuid")).toBeTruthy();
    const patched = await fetch(new URL(location, ecr.endpoint), {
      method: "PATCH",
      body: data,
      headers: { authorization: auth, "content-type": "application/octet-stream" },
    });
    expect(patched.status).toBe(202);
    expect(patched.headers.get("range")).toBe(`0-${data.length - 1}`);
    const digest = sha256(data);
    const done = await fetch(new URL(`${patched.headers.get("location")}?digest=${digest}`, ecr.endpoint), {
      method: "PUT",
      headers: { authorization: auth },
    });
    expect(done.status).toBe(201);
    expect(done.headers.get("docker-content-digest")).toBe(digest);
    return digest;
  }

  function manifestFor(config: string, layer: Uint8Array): string {
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: config.length,
        digest: sha256(config),
      },
      layers: [
        {
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
          size: layer.length,
          digest: sha256(layer),
        },
      ],
    });
  }

  beforeAll(async () => {
    ecr = await localEcr();
    auth = `Basic ${Buffer.from(`AWS:${await registryPassword(ecr)}`).toString("base64")}`;
    await ecrClient(ecr).send(new CreateRepositoryCommand({ repositoryName: "org/app" }));
  });
  afterAll(() => ecr.close());

  it("uploads blobs (chunked and monolithic), checks digests and serves them back", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const digest = await pushBlob("org/app", data);
    const head = await v2(`org/app/blobs/${digest}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(data.length));
    expect(Buffer.from(await (await v2(`org/app/blobs/${digest}`)).arrayBuffer()).equals(data)).toBe(true);

    const small = Buffer.from("monolithic");
    const mono = await v2(`org/app/blobs/uploads/?digest=${sha256(small)}`, { method: "POST", body: small });
    expect(mono.status).toBe(201);

    const wrong = await v2(`org/app/blobs/uploads/?digest=${sha256("other")}`, {
      method: "POST",
      body: small,
    });
    expect(wrong.status).toBe(400);
    expect((await firstError(wrong)).code).toBe("DIGEST_INVALID");

    const mount = await v2(`org/app/blobs/uploads/?mount=${digest}&from=elsewhere`, { method: "POST" });
    expect(mount.status).toBe(202);
    expect(ecr.stats.blobsUploaded).toBe(2);
  });

  it("stores manifests that the control plane sees, and retags through PutImage", async () => {
    const config = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}';
    const layer = randomBytes(1000);
    const manifest = manifestFor(config, layer);
    const early = await v2("org/app/manifests/v1", {
      method: "PUT",
      body: manifest,
      headers: { "content-type": DOCKER_MANIFEST },
    });
    expect(early.status).toBe(400);
    expect((await firstError(early)).code).toBe("MANIFEST_BLOB_UNKNOWN");

    await pushBlob("org/app", Buffer.from(config));
    await pushBlob("org/app", layer);
    const put = await v2("org/app/manifests/v1", {
      method: "PUT",
      body: manifest,
      headers: { "content-type": DOCKER_MANIFEST },
    });
    expect(put.status).toBe(201);
    const digest = sha256(manifest);
    expect(put.headers.get("docker-content-digest")).toBe(digest);

    const got = await v2("org/app/manifests/v1", { headers: { accept: DOCKER_MANIFEST } });
    expect(got.headers.get("content-type")).toBe(DOCKER_MANIFEST);
    expect(got.headers.get("docker-content-digest")).toBe(digest);
    expect(await got.text()).toBe(manifest);

    const client = ecrClient(ecr);
    const described = await client.send(new DescribeImagesCommand({ repositoryName: "org/app" }));
    expect(described.imageDetails).toEqual([
      expect.objectContaining({
        imageDigest: digest,
        imageTags: ["v1"],
        imageSizeInBytes: config.length + layer.length,
        imageManifestMediaType: DOCKER_MANIFEST,
        imagePushedAt: expect.any(Date),
      }),
    ]);

    const fetched = await client.send(
      new BatchGetImageCommand({
        repositoryName: "org/app",
        imageIds: [{ imageTag: "v1" }, { imageTag: "missing" }],
        acceptedMediaTypes: [DOCKER_MANIFEST],
      }),
    );
    expect(fetched.failures?.[0]?.failureCode).toBe("ImageNotFound");
    const image = fetched.images?.[0];
    await client.send(
      new PutImageCommand({
        repositoryName: "org/app",
        imageManifest: image?.imageManifest,
        imageManifestMediaType: image?.imageManifestMediaType,
        imageTag: "release",
      }),
    );
    await expect(
      client.send(
        new PutImageCommand({
          repositoryName: "org/app",
          imageManifest: image?.imageManifest,
          imageTag: "release",
        }),
      ),
    ).rejects.toBeInstanceOf(ImageAlreadyExistsException);
    expect(
      (await v2("org/app/manifests/release", { method: "HEAD" })).headers.get("docker-content-digest"),
    ).toBe(digest);
    expect(await (await v2("org/app/tags/list")).json()).toEqual({
      name: "org/app",
      tags: ["release", "v1"],
    });
    const listed = await client.send(new ListImagesCommand({ repositoryName: "org/app" }));
    expect(listed.imageIds).toHaveLength(2);
  });

  it("answers unknown repositories and bad credentials as ECR does", async () => {
    const missing = await v2("nothing/here/manifests/latest");
    expect(missing.status).toBe(404);
    expect(await firstError(missing)).toMatchObject({
      code: "NAME_UNKNOWN",
      message: `The repository with name 'nothing/here' does not exist in the registry with id '${ecr.accountId}'`,
    });
    const bad = await fetch(`${ecr.endpoint}/v2/org/app/tags/list`, {
      headers: { authorization: `Basic ${Buffer.from("AWS:guess").toString("base64")}` },
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
  });

  it("refuses expired registry passwords", async () => {
    const shortLived = await localEcr({ tokenTtlSeconds: 1 });
    try {
      const password = await registryPassword(shortLived);
      const headers = { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString("base64")}` };
      expect((await fetch(`${shortLived.endpoint}/v2/`, { headers })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const expired = await fetch(`${shortLived.endpoint}/v2/`, { headers });
      expect(expired.status).toBe(403);
      expect((await firstError(expired)).code).toBe("DENIED");
    } finally {
      await shortLived.close();
    }
  });

  it("archives an image (described and listed on request, never pulled) and restores it, as ECR does", async () => {
    const client = ecrClient(ecr);
    await client.send(new CreateRepositoryCommand({ repositoryName: "org/archive" }));
    const config = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","n":"archive"}}';
    const layer = randomBytes(500);
    await pushBlob("org/archive", Buffer.from(config));
    await pushBlob("org/archive", layer);
    const manifest = manifestFor(config, layer);
    const digest = sha256(manifest);
    const put = await v2("org/archive/manifests/old", {
      method: "PUT",
      body: manifest,
      headers: { "content-type": DOCKER_MANIFEST },
    });
    expect(put.status).toBe(201);
    const imageId = { imageDigest: digest };

    const archived = await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: "org/archive",
        imageId: { imageTag: "old" },
        targetStorageClass: "ARCHIVE",
      }),
    );
    expect(archived).toMatchObject({
      registryId: ecr.accountId,
      repositoryName: "org/archive",
      imageId: { imageDigest: digest, imageTag: "old" },
      imageStatus: "ARCHIVED",
    });
    // Pulls are 404s; BatchGetImage answers as for a missing image.
    expect((await v2("org/archive/manifests/old")).status).toBe(404);
    expect((await v2(`org/archive/manifests/${digest}`, { method: "HEAD" })).status).toBe(404);
    const fetched = await client.send(
      new BatchGetImageCommand({ repositoryName: "org/archive", imageIds: [imageId] }),
    );
    expect(fetched.images).toEqual([]);
    expect(fetched.failures?.[0]?.failureCode).toBe("ImageNotFound");
    // Described by id whatever its status; listed only when asked for ARCHIVED (or ANY).
    const byId = await client.send(
      new DescribeImagesCommand({ repositoryName: "org/archive", imageIds: [imageId] }),
    );
    expect(byId.imageDetails?.[0]).toMatchObject({ imageDigest: digest, imageStatus: "ARCHIVED" });
    expect(byId.imageDetails?.[0]?.lastArchivedAt).toBeInstanceOf(Date);
    const listed = (status?: "ARCHIVED" | "ANY") =>
      client
        .send(
          new DescribeImagesCommand({
            repositoryName: "org/archive",
            ...(status ? { filter: { imageStatus: status } } : {}),
          }),
        )
        .then((r) => r.imageDetails?.map((d) => d.imageDigest));
    expect(await listed()).toEqual([]);
    expect(await listed("ARCHIVED")).toEqual([digest]);
    expect(await listed("ANY")).toEqual([digest]);
    const ids = await client.send(new ListImagesCommand({ repositoryName: "org/archive" }));
    expect(ids.imageIds).toEqual([]);

    // A restore is ACTIVATING for the restore delay, then ACTIVE; the image cannot be archived meanwhile.
    ecr.setRestoreDelay(60_000);
    const restoring = await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: "org/archive",
        imageId,
        targetStorageClass: "STANDARD",
      }),
    );
    expect(restoring.imageStatus).toBe("ACTIVATING");
    expect((await v2("org/archive/manifests/old")).status).toBe(404);
    await expect(
      client.send(
        new UpdateImageStorageClassCommand({
          repositoryName: "org/archive",
          imageId,
          targetStorageClass: "ARCHIVE",
        }),
      ),
    ).rejects.toBeInstanceOf(ImageStorageClassUpdateNotSupportedException);
    // Pushing the image again restores it at once, as ECR documents.
    const again = await v2("org/archive/manifests/old", {
      method: "PUT",
      body: manifest,
      headers: { "content-type": DOCKER_MANIFEST },
    });
    expect(again.status).toBe(201);
    expect((await v2("org/archive/manifests/old")).status).toBe(200);

    // With no delay, a restore is complete by the next request.
    ecr.setRestoreDelay(0);
    await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: "org/archive",
        imageId,
        targetStorageClass: "ARCHIVE",
      }),
    );
    await client.send(
      new UpdateImageStorageClassCommand({
        repositoryName: "org/archive",
        imageId,
        targetStorageClass: "STANDARD",
      }),
    );
    const active = await client.send(
      new DescribeImagesCommand({ repositoryName: "org/archive", imageIds: [imageId] }),
    );
    expect(active.imageDetails?.[0]).toMatchObject({ imageStatus: "ACTIVE" });
    expect(active.imageDetails?.[0]?.lastActivatedAt).toBeInstanceOf(Date);
    expect((await v2("org/archive/manifests/old")).status).toBe(200);

    await expect(
      client.send(
        new UpdateImageStorageClassCommand({
          repositoryName: "org/archive",
          imageId,
          targetStorageClass: "GLACIER" as "ARCHIVE",
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      client.send(
        new UpdateImageStorageClassCommand({
          repositoryName: "org/archive",
          imageId: { imageTag: "absent" },
          targetStorageClass: "ARCHIVE",
        }),
      ),
    ).rejects.toBeInstanceOf(ImageNotFoundException);
    await expect(
      client.send(
        new DescribeImagesCommand({
          repositoryName: "org/archive",
          filter: { imageStatus: "FROZEN" as "ANY" },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});
