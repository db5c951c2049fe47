// GET /_ecr-local/stats: the registry counters over the wire, for a bench that runs the endpoint as
// its own process (`ecr-push local`) and wants the bytes each push sent.
import { createHash, randomBytes } from "node:crypto";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { ecrClient, localEcr, registryPassword } from "./helpers.js";

describe("stats endpoint", () => {
  let ecr: LocalEcr;
  beforeAll(async () => {
    ecr = await localEcr();
  });
  afterAll(async () => {
    await ecr?.close();
  });

  it("answers the counters as JSON, with the bytes of an upload counted", async () => {
    const stats = async () =>
      (await (await fetch(`${ecr.endpoint}/_ecr-local/stats`)).json()) as typeof ecr.stats;
    const before = await stats();
    expect(before).toEqual({ ...ecr.stats });
    await ecrClient(ecr).send(new CreateRepositoryCommand({ repositoryName: "stats" }));
    const auth = `Basic ${Buffer.from(`AWS:${await registryPassword(ecr)}`).toString("base64")}`;
    const data = randomBytes(1000);
    const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
    const put = await fetch(`${ecr.endpoint}/v2/stats/blobs/uploads/?digest=${digest}`, {
      method: "POST",
      body: data,
      headers: { authorization: auth, "content-type": "application/octet-stream" },
    });
    expect(put.status).toBe(201);
    const after = await stats();
    expect(after.blobBytesReceived - before.blobBytesReceived).toBe(1000);
    expect(after.blobsUploaded - before.blobsUploaded).toBe(1);
  });
});
