import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PushFailedError } from "../../../src/errors/index.js";
import { RegistryClient, type RegistryClientOptions } from "../../../src/registry/index.js";
import { FakeRegistry } from "./fake-registry.js";

const digestOf = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

describe("RegistryClient retries", () => {
  let registry: FakeRegistry;
  let clients: RegistryClient[];
  /** The fake clock: sleeping advances it, nothing really waits. */
  let now: number;
  let waits: number[];

  beforeEach(async () => {
    registry = await FakeRegistry.start();
    clients = [];
    now = 1_000_000;
    waits = [];
  });
  afterEach(async () => {
    for (const client of clients) client.close();
    await registry.close();
  });

  function client(options: Partial<RegistryClientOptions> = {}): RegistryClient {
    const made = new RegistryClient({
      registry: registry.host,
      username: "AWS",
      password: registry.password,
      retry: { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryMs: 60_000, maxAttempts: 5 },
      clock: {
        now: () => new Date(now),
        sleep: async (ms) => {
          waits.push(ms);
          now += ms;
        },
      },
      random: () => 0.5,
      ...options,
    });
    clients.push(made);
    return made;
  }

  /** Answers the first `times` requests matching `method` with `status` (0: a dropped connection). */
  function failFirst(method: string, times: number, status: number, headers?: Record<string, string>) {
    let left = times;
    registry.fail = (r) =>
      r.method === method && left-- > 0
        ? { status, code: status === 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE", message: "busy", headers }
        : undefined;
  }

  it.each([
    ["a reset connection", 0],
    ["429", 429],
    ["500", 500],
    ["502", 502],
    ["503", 503],
    ["504", 504],
  ])("retries %s with full-jitter back-off, then succeeds", async (_name, status) => {
    failFirst("HEAD", 3, status);
    expect(await client().hasBlob("team/web", digestOf(Buffer.from("x")))).toBe(false);
    expect(registry.requests.filter((r) => r.method === "HEAD")).toHaveLength(4);
    // A random draw of 0.5 under caps of 100, 200, 400 ms.
    expect(waits).toEqual([50, 100, 200]);
  });

  it("waits what a Retry-After asks when that is longer than the jitter, within the cap", async () => {
    failFirst("PUT", 2, 503, { "Retry-After": "3" });
    const bytes = Buffer.from('{"schemaVersion":2}');
    expect(await client().putManifest("team/web", "v1", MANIFEST, bytes)).toBe(digestOf(bytes));
    // 3 s asked, capped at the 1 s maximum back-off.
    expect(waits).toEqual([1_000, 1_000]);
  });

  /** Uploads `data` as a blob of known digest, counting how often its source was opened. */
  async function upload(data: Buffer, options: Partial<RegistryClientOptions> = {}) {
    let opened = 0;
    const uploaded = await client(options).uploadBlob(
      "team/web",
      () => {
        opened++;
        return Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]);
      },
      { digest: digestOf(data), size: data.length },
    );
    return { uploaded, opened };
  }
  const methods = () => registry.requests.map((r) => r.method);

  it("sends a blob cut mid-body again in a fresh session, deleting the one holding a part", async () => {
    failFirst("PATCH", 2, 0);
    const data = Buffer.alloc(200_000, 3);
    const { uploaded, opened } = await upload(data);
    expect(uploaded).toEqual({ digest: digestOf(data), size: data.length });
    expect(opened).toBe(3);
    expect(methods()).toEqual(["POST", "PATCH", "DELETE", "POST", "PATCH", "DELETE", "POST", "PATCH", "PUT"]);
    expect(registry.uploadsDeleted).toBe(2);
    expect(registry.blobs.get(digestOf(data))?.equals(data)).toBe(true);
  });

  it("retries a failed POST alone: the bytes are read once", async () => {
    failFirst("POST", 3, 503);
    const data = Buffer.alloc(200_000, 4);
    const { opened } = await upload(data);
    expect(opened).toBe(1);
    expect(methods()).toEqual(["POST", "POST", "POST", "POST", "PATCH", "PUT"]);
  });

  it("asks whether a commit whose answer was lost landed, and does not send it again", async () => {
    let drops = 1;
    registry.dropAnswer = (r) => r.method === "PUT" && drops-- > 0;
    const data = Buffer.alloc(200_000, 5);
    const { uploaded, opened } = await upload(data);
    expect(uploaded.digest).toBe(digestOf(data));
    expect(opened).toBe(1);
    expect(methods()).toEqual(["POST", "PATCH", "PUT", "HEAD"]);
  });

  it("retries a failed commit alone while its session lives", async () => {
    failFirst("PUT", 2, 503);
    const data = Buffer.alloc(200_000, 6);
    const { opened } = await upload(data);
    expect(opened).toBe(1);
    expect(methods()).toEqual(["POST", "PATCH", "PUT", "HEAD", "PUT", "HEAD", "PUT"]);
  });

  it("starts again when the registry forgot the session, once the blob is known not to be there", async () => {
    let forgets = 1;
    registry.fail = (r) =>
      r.method === "PUT" && forgets-- > 0
        ? { status: 404, code: "BLOB_UPLOAD_UNKNOWN", message: "blob upload unknown to registry" }
        : undefined;
    const data = Buffer.alloc(200_000, 7);
    const { uploaded, opened } = await upload(data);
    expect(uploaded.digest).toBe(digestOf(data));
    expect(opened).toBe(2);
    expect(methods()).toEqual(["POST", "PATCH", "PUT", "HEAD", "POST", "PATCH", "PUT"]);
  });

  it("counts failures in a row without progress: an upload that advances between failures lands", async () => {
    // Two attempts in a row at most, yet three failures in all: each is followed by progress.
    let patches = 0;
    let puts = 0;
    registry.fail = (r) => {
      if (r.method === "PATCH" && ++patches === 1) return { status: 0, code: "", message: "" };
      if (r.method === "PUT" && ++puts <= 1) return { status: 503, code: "UNAVAILABLE", message: "busy" };
      return undefined;
    };
    const data = Buffer.alloc(200_000, 8);
    const { uploaded } = await upload(data, { attempts: 2 });
    expect(uploaded.digest).toBe(digestOf(data));
  });

  it("gives each request its own budget: failing POSTs do not spend the PATCH's", async () => {
    // Three attempts in a row at most per request; five failures in all, never three of one kind.
    const pattern = ["POST", "POST", "PATCH", "POST", "POST"];
    registry.fail = (r) => {
      if (pattern[0] !== r.method) return undefined;
      pattern.shift();
      return r.method === "PATCH"
        ? { status: 0, code: "", message: "" }
        : { status: 503, code: "UNAVAILABLE", message: "busy" };
    };
    const data = Buffer.alloc(200_000, 10);
    const { uploaded, opened } = await upload(data, { attempts: 3 });
    expect(uploaded.digest).toBe(digestOf(data));
    expect(opened).toBe(2);
  });

  it("stops a blob whose PATCH keeps failing although its POSTs get through", async () => {
    registry.fail = (r) => (r.method === "PATCH" ? { status: 0, code: "", message: "" } : undefined);
    const data = Buffer.alloc(200_000, 11);
    await expect(upload(data, { attempts: 3 })).rejects.toMatchObject({ code: "RegistryUnreachable" });
    expect(methods().filter((m) => m === "PATCH")).toHaveLength(3);
  });

  it("gives up when nothing advances, deletes its session and says what failed", async () => {
    registry.fail = (r) =>
      r.method === "PUT" ? { status: 503, code: "UNAVAILABLE", message: "down for maintenance" } : undefined;
    const data = Buffer.alloc(200_000, 9);
    await expect(upload(data, { attempts: 3 })).rejects.toMatchObject({
      code: "RegistryRequestFailed",
      message: `The registry ${registry.host} failed while uploading blob ${digestOf(data)} (down for maintenance) after 3 attempts: push again later, or check the registry's status.`,
    });
    expect(methods()).toEqual(["POST", "PATCH", "PUT", "HEAD", "PUT", "HEAD", "PUT", "HEAD", "DELETE"]);
    expect(registry.uploadsDeleted).toBe(1);
  });

  it("tallies its retries by cause for the push's one line", async () => {
    failFirst("HEAD", 2, 503);
    const c = client();
    await c.hasBlob("team/web", digestOf(Buffer.from("x")));
    expect(c.retries.summary()).toBe("2 retries (2 HTTP 503)");
  });

  it.each([
    ["401 (no refresher)", 401, "UNAUTHORIZED", "authentication required", "RegistryAuthFailed"],
    ["403", 403, "DENIED", "not authorized to perform ecr:PutImage", "RegistryAuthFailed"],
    ["400", 400, "MANIFEST_INVALID", "manifest invalid", "ManifestRejected"],
    [
      "an immutable tag",
      400,
      "TAG_INVALID",
      "The image tag 'v1' already exists and cannot be overwritten because the repository is immutable.",
      "ImageTagAlreadyExists",
    ],
    ["a missing repository", 404, "NAME_UNKNOWN", "repository does not exist", "RepositoryNotFound"],
  ])("fails at once on %s", async (_name, status, code, message, expected) => {
    registry.fail = () => ({ status, code, message });
    await expect(client().putManifest("team/web", "v1", MANIFEST, Buffer.from("{}"))).rejects.toMatchObject({
      code: expected,
    });
    expect(registry.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("gives up after the attempts allowed, saying how many were made", async () => {
    registry.fail = () => ({ status: 503, code: "UNAVAILABLE", message: "down for maintenance" });
    await expect(client({ attempts: 3 }).getManifest("team/web", "v1")).rejects.toMatchObject({
      code: "RegistryRequestFailed",
      message: `The registry ${registry.host} failed while reading manifest v1 (down for maintenance) after 3 attempts: push again later, or check the registry's status.`,
    });
    expect(registry.requests).toHaveLength(3);
  });

  it("spends half a retry on a 429: a push waits out an account over its rate, twice as many retries, the back-off still doubling", async () => {
    // Eight throttles in a row, as when a fleet of pushes shares ECR's PutImage rate: with 5
    // attempts a 503 gets 4 retries, a 429 gets 8.
    failFirst("PUT", 8, 429);
    const lines: string[] = [];
    const bytes = Buffer.from('{"schemaVersion":2}');
    const c = client({ debug: (line) => lines.push(line) });
    expect(await c.putManifest("team/web", "v1", MANIFEST, bytes)).toBe(digestOf(bytes));
    expect(registry.requests.filter((r) => r.method === "PUT")).toHaveLength(9);
    // A draw of 0.5 under caps of 100, 200, 400, 800 ms, then the 1 s maximum.
    expect(waits).toEqual([50, 100, 200, 400, 500, 500, 500, 500]);
    const attempts = lines.flatMap((line) => /\(attempt (\d+ of \d+)\)$/.exec(line)?.[1] ?? []);
    expect(attempts).toEqual([
      "2 of 9",
      "3 of 9",
      "4 of 9",
      "5 of 9",
      "6 of 9",
      "7 of 9",
      "8 of 9",
      "9 of 9",
    ]);
    expect(c.retries.summary()).toBe("8 retries (8 HTTP 429)");
  });

  it("still gives up on a registry that only throttles, after twice the retries, and a 503 costs a whole one", async () => {
    registry.fail = () => ({ status: 429, code: "TOOMANYREQUESTS", message: "Rate exceeded" });
    await expect(client().putManifest("team/web", "v1", MANIFEST, Buffer.from("{}"))).rejects.toMatchObject({
      code: "RegistryRequestFailed",
      message: `The registry ${registry.host} failed while putting manifest team/web:v1 (Rate exceeded) after 9 attempts: push again later, or check the registry's status.`,
    });
    expect(registry.requests).toHaveLength(9);

    // Two 503s spend two of the 4 retries; the 2 left give 4 retries after throttles.
    registry.requests.length = 0;
    let answers = 0;
    registry.fail = () =>
      ++answers <= 2
        ? { status: 503, code: "UNAVAILABLE", message: "busy" }
        : { status: 429, code: "TOOMANYREQUESTS", message: "Rate exceeded" };
    await expect(client().hasBlob("team/web", digestOf(Buffer.from("x")))).rejects.toMatchObject({
      code: "RegistryRequestFailed",
    });
    expect(registry.requests).toHaveLength(7);

    // One attempt allowed is one attempt, throttled or not.
    registry.requests.length = 0;
    registry.fail = () => ({ status: 429, code: "TOOMANYREQUESTS", message: "Rate exceeded" });
    await expect(
      client({ attempts: 1 }).hasBlob("team/web", digestOf(Buffer.from("x"))),
    ).rejects.toMatchObject({
      code: "RegistryRequestFailed",
    });
    expect(registry.requests).toHaveLength(1);
  });

  it("stops retrying once the time bound has passed, and never sleeps past it", async () => {
    registry.fail = () => ({ status: 503, code: "UNAVAILABLE", message: "busy" });
    const bounded = client({
      retry: { baseDelayMs: 400, maxDelayMs: 10_000, maxRetryMs: 2_000, maxAttempts: 100 },
      random: () => 0.99,
    });
    const started = now;
    await expect(bounded.hasBlob("team/web", digestOf(Buffer.from("x")))).rejects.toMatchObject({
      code: "RegistryRequestFailed",
    });
    // 396 + 792 ms, then what is left of the 2 s (812 ms instead of 1584), then no more.
    expect(waits).toEqual([396, 792, 812]);
    expect(now - started).toBe(2_000);
    expect(registry.requests).toHaveLength(4);
  });
});

describe("RegistryClient credential refresh", () => {
  let registry: FakeRegistry;
  let clients: RegistryClient[];
  let now: number;
  let refreshes: number;

  beforeEach(async () => {
    registry = await FakeRegistry.start("first-password");
    clients = [];
    now = 1_000_000;
    refreshes = 0;
  });
  afterEach(async () => {
    for (const client of clients) client.close();
    await registry.close();
  });

  /** The registry now accepts only `password`, as after a token rotation. */
  const rotate = (password: string) => Object.assign(registry, { password });

  function client(options: Partial<RegistryClientOptions> = {}): RegistryClient {
    const made = new RegistryClient({
      registry: registry.host,
      username: "AWS",
      password: "first-password",
      expiresAt: new Date(now + 12 * 3600_000),
      refresh: async () => {
        refreshes++;
        return { username: "AWS", password: registry.password, expiresAt: new Date(now + 12 * 3600_000) };
      },
      clock: { now: () => new Date(now), sleep: async () => {} },
      ...options,
    });
    clients.push(made);
    return made;
  }

  it("refreshes the token 5 minutes before it expires, once for parallel requests", async () => {
    const c = client();
    const digest = digestOf(Buffer.from("x"));
    await c.hasBlob("team/web", digest);
    expect(refreshes).toBe(0);
    now += 12 * 3600_000 - 4 * 60_000;
    rotate("second-password");
    await Promise.all([1, 2, 3, 4].map(() => c.hasBlob("team/web", digest)));
    expect(refreshes).toBe(1);
    expect(registry.requests.filter((r) => r.method === "HEAD")).toHaveLength(5);
  });

  it("refreshes a short-lived token when three quarters of its life have passed", async () => {
    const c = client({ expiresAt: new Date(now + 2_000) });
    const digest = digestOf(Buffer.from("x"));
    now += 1_400;
    await c.hasBlob("team/web", digest);
    expect(refreshes).toBe(0);
    now += 200;
    await c.hasBlob("team/web", digest);
    expect(refreshes).toBe(1);
  });

  it("refreshes once when the registry refuses the token, then goes on", async () => {
    rotate("second-password");
    const data = Buffer.from("layer");
    const uploaded = await client().uploadBlob("team/web", () => Readable.from([data]));
    expect(uploaded.digest).toBe(digestOf(data));
    expect(refreshes).toBe(1);
    expect(registry.requests.map((r) => r.method)).toEqual(["POST", "POST", "PATCH", "PUT"]);
  });

  it("refreshes an expired token (ECR's 403) once, and fails in one sentence when that does not help", async () => {
    registry.fail = () => ({
      status: 403,
      code: "DENIED",
      message: "Your authorization token has expired. Reauthenticate and try again.",
    });
    await expect(client().getManifest("team/web", "v1")).rejects.toMatchObject({
      code: "RegistryAuthFailed",
      message: `The registry ${registry.host} refused the push to team/web (Your authorization token has expired. Reauthenticate and try again): check that the credentials may push to this repository and have not expired.`,
    });
    expect(refreshes).toBe(1);
    expect(registry.requests).toHaveLength(2);
  });

  it("goes on with a token still valid when a refresh fails, and fails with the refresher's error once it has expired", async () => {
    const c = client({
      expiresAt: new Date(now + 10 * 60_000),
      refresh: async () => {
        refreshes++;
        throw new PushFailedError("Throttled", "ECR throttled GetAuthorizationToken: wait and retry.");
      },
    });
    const digest = digestOf(Buffer.from("x"));
    // A 10-minute token is due for refresh after 7.5 minutes.
    now += 8 * 60_000;
    expect(await c.hasBlob("team/web", digest)).toBe(false);
    expect(refreshes).toBe(1);
    // The next try is due half-way to the expiry, not on every request.
    await c.hasBlob("team/web", digest);
    expect(refreshes).toBe(1);
    now += 3 * 60_000;
    await expect(c.hasBlob("team/web", digest)).rejects.toMatchObject({
      code: "Throttled",
      message: "ECR throttled GetAuthorizationToken: wait and retry.",
    });
  });
});
