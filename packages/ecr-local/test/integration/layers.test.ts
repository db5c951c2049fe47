// The ECR layer upload API (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload) through
// @aws-sdk/client-ecr, and the layers it stores as the registry serves them.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  type ECRClient,
  EmptyUploadException,
  InitiateLayerUploadCommand,
  InvalidLayerException,
  InvalidLayerPartException,
  InvalidParameterException,
  LayerAlreadyExistsException,
  LayerPartTooSmallException,
  RepositoryNotFoundException,
  UploadLayerPartCommand,
  UploadNotFoundException,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { ecrClient, localEcr, registryPassword } from "./helpers.js";

const MiB = 1024 * 1024;
const sha256 = (data: Uint8Array) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

describe("ECR layer upload API", () => {
  let ecr: LocalEcr;
  let client: ECRClient;
  let auth: string;
  const repositoryName = "layers/app";

  const initiate = async (repo = repositoryName) => {
    const out = await client.send(new InitiateLayerUploadCommand({ repositoryName: repo }));
    return out.uploadId ?? "";
  };
  const part = (uploadId: string, first: number, bytes: Uint8Array, last = first + bytes.length - 1) =>
    client.send(
      new UploadLayerPartCommand({
        repositoryName,
        uploadId,
        partFirstByte: first,
        partLastByte: last,
        layerPartBlob: bytes,
      }),
    );
  const complete = (uploadId: string, digest: string) =>
    client.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  beforeAll(async () => {
    ecr = await localEcr({ accountId: "111122223333" });
    client = ecrClient(ecr);
    auth = `Basic ${Buffer.from(`AWS:${await registryPassword(ecr)}`).toString("base64")}`;
    await client.send(new CreateRepositoryCommand({ repositoryName }));
    await client.send(new CreateRepositoryCommand({ repositoryName: "layers/other" }));
  });
  afterAll(() => ecr.close());

  it("uploads a 12 MiB layer in parts of 10 and 2 MiB that the registry then serves", async () => {
    const data = randomBytes(12 * MiB);
    const digest = sha256(data);
    const before = { ...ecr.stats };
    const started = await client.send(new InitiateLayerUploadCommand({ repositoryName }));
    expect(started.partSize).toBe(10 * MiB);
    const uploadId = started.uploadId ?? "";
    expect(uploadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const first = await part(uploadId, 0, data.subarray(0, 10 * MiB));
    expect(first).toMatchObject({
      registryId: "111122223333",
      repositoryName,
      uploadId,
      lastByteReceived: 10 * MiB - 1,
    });
    const second = await part(uploadId, 10 * MiB, data.subarray(10 * MiB));
    expect(second.lastByteReceived).toBe(12 * MiB - 1);
    const done = await complete(uploadId, digest);
    expect(done).toMatchObject({ registryId: "111122223333", repositoryName, uploadId, layerDigest: digest });

    expect(ecr.stats.layerPartsReceived - before.layerPartsReceived).toBe(2);
    expect(ecr.stats.layerPartBytesReceived - before.layerPartBytesReceived).toBe(12 * MiB);
    expect(ecr.stats.blobBytesReceived - before.blobBytesReceived).toBe(12 * MiB);
    expect(ecr.stats.blobsUploaded - before.blobsUploaded).toBe(1);

    const blob = `${ecr.endpoint}/v2/${repositoryName}/blobs/${digest}`;
    const head = await fetch(blob, { method: "HEAD", headers: { authorization: auth } });
    expect(head.status).toBe(200);
    expect(head.headers.get("docker-content-digest")).toBe(digest);
    expect(head.headers.get("content-length")).toBe(String(12 * MiB));
    const got = Buffer.from(await (await fetch(blob, { headers: { authorization: auth } })).arrayBuffer());
    expect(sha256(got)).toBe(digest);

    const available = await client.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [digest] }),
    );
    expect(available.layers).toEqual([
      { layerDigest: digest, layerAvailability: "AVAILABLE", layerSize: 12 * MiB },
    ]);

    const again = await initiate();
    await part(again, 0, data.subarray(0, 10 * MiB));
    await part(again, 10 * MiB, data.subarray(10 * MiB));
    expect(await failure(complete(again, digest))).toBeInstanceOf(LayerAlreadyExistsException);
    expect(await failure(complete(again, digest))).toBeInstanceOf(UploadNotFoundException);
  });

  it("wants consecutive parts of the length they claim, at most 10 MiB", async () => {
    const uploadId = await initiate();
    const data = randomBytes(5 * MiB);
    const skipped = await failure(part(uploadId, 10, data));
    expect(skipped).toBeInstanceOf(InvalidLayerPartException);
    expect(skipped).toMatchObject({
      registryId: "111122223333",
      repositoryName,
      uploadId,
      lastValidByteReceived: -1,
    });
    expect((skipped as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);

    await part(uploadId, 0, data);
    const gap = await failure(part(uploadId, 5 * MiB + 1, data));
    expect(gap).toBeInstanceOf(InvalidLayerPartException);
    expect(gap).toMatchObject({ lastValidByteReceived: 5 * MiB - 1 });
    const overlap = await failure(part(uploadId, 4 * MiB, data));
    expect(overlap).toMatchObject({ name: "InvalidLayerPartException", lastValidByteReceived: 5 * MiB - 1 });

    const short = await failure(part(uploadId, 5 * MiB, data, 5 * MiB + 10));
    expect(short).toBeInstanceOf(InvalidLayerPartException);
    const tooLarge = await failure(part(uploadId, 5 * MiB, randomBytes(10 * MiB + 1)));
    expect(tooLarge).toBeInstanceOf(InvalidLayerPartException);
    expect(tooLarge).toMatchObject({ lastValidByteReceived: 5 * MiB - 1 });
    expect(ecr.calls.at(-1)).toMatchObject({
      operation: "UploadLayerPart",
      status: 400,
      errorCode: "InvalidLayerPartException",
    });

    // The rejected parts left the upload as it was.
    const tail = randomBytes(100);
    expect((await part(uploadId, 5 * MiB, tail)).lastByteReceived).toBe(5 * MiB + 99);
    const layer = Buffer.concat([data, tail]);
    expect((await complete(uploadId, sha256(layer))).layerDigest).toBe(sha256(layer));
  });

  it("accepts a re-sent last part with the same bytes, once", async () => {
    const before = ecr.stats.blobBytesReceived;
    const uploadId = await initiate();
    const data = randomBytes(5 * MiB);
    await part(uploadId, 0, data);
    const resent = await part(uploadId, 0, data);
    expect(resent.lastByteReceived).toBe(5 * MiB - 1);
    const changed = await failure(part(uploadId, 0, randomBytes(5 * MiB)));
    expect(changed).toBeInstanceOf(InvalidLayerPartException);
    // The bytes of both accepted requests came over the wire.
    expect(ecr.stats.blobBytesReceived - before).toBe(10 * MiB);
    expect((await complete(uploadId, sha256(data))).layerDigest).toBe(sha256(data));
  });

  it("takes a part under 5 MiB only as the last one", async () => {
    const uploadId = await initiate();
    const small = randomBytes(1000);
    await part(uploadId, 0, small);
    const next = await failure(part(uploadId, 1000, randomBytes(5 * MiB)));
    expect(next).toBeInstanceOf(LayerPartTooSmallException);
    expect((next as Error).message).toMatch(/at least 5 MiB/);
    // As the last part it is fine: the layer is complete.
    expect((await complete(uploadId, sha256(small))).layerDigest).toBe(sha256(small));
  });

  it("checks the digest, the upload and the repository", async () => {
    const data = randomBytes(2000);
    const wrong = await initiate();
    await part(wrong, 0, data);
    expect(await failure(complete(wrong, sha256(randomBytes(10))))).toBeInstanceOf(InvalidLayerException);
    // A failed completion ends the upload.
    expect(await failure(complete(wrong, sha256(data)))).toBeInstanceOf(UploadNotFoundException);

    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(await failure(part(unknown, 0, data))).toBeInstanceOf(UploadNotFoundException);
    expect(await failure(complete(unknown, sha256(data)))).toBeInstanceOf(UploadNotFoundException);

    const empty = await initiate();
    expect(await failure(complete(empty, sha256(data)))).toBeInstanceOf(EmptyUploadException);
    expect(await failure(complete(empty, "sha256:nothex"))).toBeInstanceOf(InvalidParameterException);
    expect(await failure(complete(empty, "md5:abc"))).toBeInstanceOf(InvalidParameterException);

    const elsewhere = await initiate("layers/other");
    expect(await failure(part(elsewhere, 0, data))).toBeInstanceOf(UploadNotFoundException);
    expect(
      await failure(client.send(new InitiateLayerUploadCommand({ repositoryName: "layers/missing" }))),
    ).toBeInstanceOf(RepositoryNotFoundException);

    // An upload the API started is not one of the registry's, and the other way round.
    const viaV2 = await fetch(`${ecr.endpoint}/v2/${repositoryName}/blobs/uploads/${empty}`, {
      method: "PATCH",
      body: data,
      headers: { authorization: auth },
    });
    expect(viaV2.status).toBe(404);
    const registryUpload = await fetch(`${ecr.endpoint}/v2/${repositoryName}/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: auth },
    });
    const registryId = registryUpload.headers.get("docker-upload-uuid") ?? "";
    expect(await failure(part(registryId, 0, data))).toBeInstanceOf(UploadNotFoundException);
  });

  it("drops unfinished uploads on close", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ecr-local-layers-"));
    try {
      const own = await localEcr({ dataDir });
      const ownClient = ecrClient(own);
      await ownClient.send(new CreateRepositoryCommand({ repositoryName: "left" }));
      const { uploadId } = await ownClient.send(new InitiateLayerUploadCommand({ repositoryName: "left" }));
      await ownClient.send(
        new UploadLayerPartCommand({
          repositoryName: "left",
          uploadId,
          partFirstByte: 0,
          partLastByte: 9,
          layerPartBlob: randomBytes(10),
        }),
      );
      expect(readdirSync(path.join(dataDir, "uploads"))).toHaveLength(1);
      await own.close();
      expect(readdirSync(path.join(dataDir, "uploads"))).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
