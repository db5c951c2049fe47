// Per-operation rate limits answered as ECR throttles: ThrottlingException on the control plane,
// 429 TOOMANYREQUESTS on the registry requests that are the same operation (a manifest PUT is
// PutImage). The clock is a fake one: no test waits for a bucket to refill.
import { createHash, randomBytes } from "node:crypto";
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  InitiateLayerUploadCommand,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { runLocalEcrUntilSignal } from "../../src/index.js";
import { ecrClient, localEcr, registryPassword } from "./helpers.js";

const sha256 = (data: Uint8Array | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

describe("rate limits", () => {
  let ecr: LocalEcr;
  let client: ECRClient;
  let auth: string;
  let now = 1_000_000;
  let manifest: string;
  const repositoryName = "limited";

  const v2 = (path: string, init: RequestInit = {}) =>
    fetch(`${ecr.endpoint}/v2/${repositoryName}/${path}`, {
      ...init,
      headers: { authorization: auth, ...init.headers },
    });
  const putManifest = (tag: string) =>
    v2(`manifests/${tag}`, { method: "PUT", body: manifest, headers: { "content-type": DOCKER_MANIFEST } });
  /** `count` PutImage calls at once (each a new tag), by outcome: "ok" or the error's name. */
  async function putImages(count: number, prefix: string): Promise<Record<string, number>> {
    const outcomes = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        client
          .send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: `${prefix}-${i}` }))
          .then(
            () => "ok",
            (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
              expect(error.$metadata?.httpStatusCode).toBe(400);
              expect(error.message).toBe("Rate exceeded");
              return error.name;
            },
          ),
      ),
    );
    const counts: Record<string, number> = {};
    for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
    return counts;
  }

  beforeAll(async () => {
    ecr = await localEcr({ clock: () => now });
    client = ecrClient(ecr);
    auth = `Basic ${Buffer.from(`AWS:${await registryPassword(ecr)}`).toString("base64")}`;
    await client.send(new CreateRepositoryCommand({ repositoryName }));
    const config = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}';
    const layer = randomBytes(1000);
    for (const blob of [Buffer.from(config), layer]) {
      const put = await v2(`blobs/uploads/?digest=${sha256(blob)}`, { method: "POST", body: blob });
      expect(put.status).toBe(201);
    }
    manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: config.length,
        digest: sha256(config),
      },
      layers: [
        { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1000, digest: sha256(layer) },
      ],
    });
  });
  afterAll(() => ecr.close());
  beforeEach(() => {
    ecr.setRateLimits({});
  });

  it("throttles PutImage over 10 per second with a ThrottlingException, and stops when cleared", async () => {
    ecr.setRateLimits({ PutImage: 10 });
    const callsBefore = ecr.calls.length;
    expect(await putImages(30, "burst")).toEqual({ ok: 10, ThrottlingException: 20 });
    const recorded = ecr.calls.slice(callsBefore);
    expect(recorded.filter((c) => c.errorCode === "ThrottlingException")).toHaveLength(20);
    expect(recorded.every((c) => c.operation === "PutImage")).toBe(true);
    expect(ecr.stats.throttled.PutImage).toBe(20);

    // Other operations are not limited.
    await client.send(new DescribeRepositoriesCommand({}));
    // Half a second gives back five calls.
    now += 500;
    expect(await putImages(10, "later")).toEqual({ ok: 5, ThrottlingException: 5 });

    ecr.setRateLimits({});
    expect(await putImages(30, "cleared")).toEqual({ ok: 30 });
  });

  it("counts a registry manifest PUT as PutImage, answered 429 TOOMANYREQUESTS over the limit", async () => {
    ecr.setRateLimits({ PutImage: 10 });
    const before = { ...ecr.stats.dataPlaneCalls };
    const throttledBefore = ecr.stats.throttled.PutImage ?? 0;
    const statuses = await Promise.all(
      Array.from({ length: 15 }, (_, i) => putManifest(`v2-${i}`).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const over = await putManifest("v2-over");
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({ errors: [{ code: "TOOMANYREQUESTS", message: "Rate exceeded" }] });
    expect(ecr.stats.throttled.PutImage).toBe(throttledBefore + 6);
    expect((ecr.stats.dataPlaneCalls.PutImage ?? 0) - (before.PutImage ?? 0)).toBe(16);

    // The two planes share the bucket: the API's PutImage is over the rate too.
    expect(await putImages(1, "shared")).toEqual({ ThrottlingException: 1 });
    now += 1000;
    expect((await putManifest("v2-next")).status).toBe(201);
    ecr.setRateLimits({});
    const cleared = await Promise.all(
      Array.from({ length: 15 }, (_, i) => putManifest(`v2-cleared-${i}`).then((r) => r.status)),
    );
    expect(cleared.every((s) => s === 201)).toBe(true);
  });

  it("limits the blob requests as the layer operations they are", async () => {
    ecr.setRateLimits({ BatchCheckLayerAvailability: 1, InitiateLayerUpload: 1 });
    const layer: string = JSON.parse(manifest).layers[0].digest;
    const head = () => v2(`blobs/${layer}`, { method: "HEAD" });
    expect((await head()).status).toBe(200);
    expect((await head()).status).toBe(429);

    expect((await v2("blobs/uploads/", { method: "POST" })).status).toBe(202);
    const second = await v2("blobs/uploads/", { method: "POST" });
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ errors: [{ code: "TOOMANYREQUESTS" }] });
    // The API's InitiateLayerUpload draws on the same bucket.
    const api = await client.send(new InitiateLayerUploadCommand({ repositoryName })).catch((e) => e);
    expect(api.name).toBe("ThrottlingException");
    expect(ecr.stats.throttled).toMatchObject({ BatchCheckLayerAvailability: 1, InitiateLayerUpload: 2 });

    ecr.setRateLimits({ UploadLayerPart: 0, CompleteLayerUpload: 0 });
    const started = await v2("blobs/uploads/", { method: "POST" });
    const location = new URL(started.headers.get("location") ?? "", ecr.endpoint);
    const patch = await fetch(location, { method: "PATCH", body: "x", headers: { authorization: auth } });
    expect(patch.status).toBe(429);
    const put = await fetch(`${location}?digest=${sha256("")}`, {
      method: "PUT",
      headers: { authorization: auth },
    });
    expect(put.status).toBe(429);
  });

  it("counts the registry requests a push makes, by operation", async () => {
    const before = structuredClone(ecr.stats.dataPlaneCalls);
    const blob = randomBytes(100);
    await v2(`blobs/${sha256(blob)}`, { method: "HEAD" });
    await v2(`blobs/uploads/?digest=${sha256(blob)}`, { method: "POST", body: blob });
    await putManifest("counted");
    await v2("manifests/counted");
    await v2(`blobs/${sha256(blob)}`);
    const delta = Object.fromEntries(
      Object.entries(ecr.stats.dataPlaneCalls)
        .map(([op, n]) => [op, n - (before[op] ?? 0)])
        .filter(([, n]) => n !== 0),
    );
    expect(delta).toEqual({
      BatchCheckLayerAvailability: 1,
      InitiateLayerUpload: 1,
      PutImage: 1,
      BatchGetImage: 1,
      GetDownloadUrlForLayer: 1,
    });
  });

  it("keeps throttleNext working alongside the limits, and takes limits as an option", async () => {
    ecr.setRateLimits({ PutImage: 100 });
    ecr.throttleNext(2);
    const out = await Promise.all(
      [0, 1, 2].map(() => client.send(new DescribeRepositoriesCommand({})).catch((e) => e.name)),
    );
    expect(out.filter((o) => o === "ThrottlingException")).toHaveLength(2);
    expect(() => ecr.setRateLimits({ PutImage: -1 })).toThrow(/PutImage/);

    const limited = await localEcr({ rateLimits: { DescribeRepositories: 1 }, clock: () => now });
    try {
      const limitedClient = ecrClient(limited);
      await limitedClient.send(new DescribeRepositoriesCommand({}));
      const error = await limitedClient.send(new DescribeRepositoriesCommand({})).catch((e) => e);
      expect(error.name).toBe("ThrottlingException");
      expect(limited.calls.at(-1)).toMatchObject({ status: 400, errorCode: "ThrottlingException" });
    } finally {
      await limited.close();
    }
  });

  it("reads ECR_LOCAL_RATE_LIMITS when run as `ecr-push local`", async () => {
    const lines: string[] = [];
    const running = runLocalEcrUntilSignal(
      { env: { ECR_LOCAL_RATE_LIMITS: "DescribeRepositories=0" } },
      (line) => lines.push(line),
    );
    await expect.poll(() => lines.length).toBe(1);
    const ready = JSON.parse(lines[0] ?? "{}");
    try {
      const error = await ecrClient(ready)
        .send(new DescribeRepositoriesCommand({}))
        .catch((e) => e);
      expect(error.name).toBe("ThrottlingException");
    } finally {
      process.emit("SIGTERM", "SIGTERM");
      await running;
    }
  });
});
