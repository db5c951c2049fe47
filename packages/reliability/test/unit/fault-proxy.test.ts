import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FaultProxy, type FaultProxyOptions, type FaultRequest, mulberry32 } from "../../src/fault-proxy.js";

const TARGET = "AmazonEC2ContainerRegistry_V20150921";
const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A request as the fake upstream saw it, recorded once it closed (complete or not). */
interface Seen {
  method: string;
  url: string;
  bytes: number;
  complete: boolean;
}

/** A tiny stand-in for ecr-local: upload sessions, commits and ECR JSON calls, each recorded. */
class FakeEcr {
  readonly seen: Seen[] = [];
  readonly #waiters: { match: (seen: Seen) => boolean; resolve: (seen: Seen) => void }[] = [];
  readonly #server = http.createServer((req, res) => this.#handle(req, res));
  #uploads = 0;

  static async start(): Promise<FakeEcr> {
    const fake = new FakeEcr();
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get host(): string {
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The first request recorded that matches, now or once it closes. */
  closed(match: (seen: Seen) => boolean): Promise<Seen> {
    const found = this.seen.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    let bytes = 0;
    req.on("error", () => {});
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on("close", () => {
      const seen = { method, url, bytes, complete: req.complete };
      this.seen.push(seen);
      for (const waiter of [...this.#waiters]) {
        if (!waiter.match(seen)) continue;
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(seen);
      }
    });
    req.on("end", () => {
      const session = /^\/v2\/r\/blobs\/uploads\/([^/?]+)/.exec(url)?.[1];
      if (method === "POST" && url === "/v2/r/blobs/uploads/") {
        const id = `u${++this.#uploads}`;
        res.writeHead(202, { Location: `http://${this.host}/v2/r/blobs/uploads/${id}`, "Content-Length": 0 });
        res.end();
      } else if (method === "PATCH" && session) {
        res.writeHead(202, {
          Location: `http://${this.host}/v2/r/blobs/uploads/${session}`,
          Range: `0-${Math.max(0, bytes - 1)}`,
          "Content-Length": 0,
        });
        res.end();
      } else if (method === "PUT" && session) {
        const digest = new URL(url, "http://x").searchParams.get("digest") ?? "";
        res.writeHead(201, {
          Location: `http://${this.host}/v2/r/blobs/${digest}`,
          "Docker-Content-Digest": digest,
          "Content-Length": 0,
        });
        res.end();
      } else if (method === "POST" && url === "/" && typeof req.headers["x-amz-target"] === "string") {
        const operation = req.headers["x-amz-target"].split(".").pop();
        const body = JSON.stringify({ operation, endpoint: `http://${this.host}` });
        res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1", "Content-Length": body.length });
        res.end(body);
      } else {
        res.writeHead(404, { "Content-Length": 0 });
        res.end();
      }
    });
  }
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a connection of its own; a connection reset rejects with the error's code. */
function send(
  endpoint: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer; chunked?: boolean } = {},
): Promise<Answer> {
  const { host, port } = new URL(endpoint);
  const headers: Record<string, string | number> = { ...options.headers };
  if (options.body && !options.chunked) headers["Content-Length"] = options.body.length;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: host.split(":")[0], port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => reject(new Error(error.code ?? error.message)));
    if (options.body && options.chunked) {
      req.write(options.body);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

const RESET = /^(ECONNRESET|EPIPE)$/;

function ecrCall(endpoint: string, operation: string): Promise<Answer> {
  return send(endpoint, "POST", "/", {
    headers: { "X-Amz-Target": `${TARGET}.${operation}`, "Content-Type": "application/x-amz-json-1.1" },
    body: Buffer.from("{}"),
  });
}

/** Starts an upload through `endpoint`; the path of its session, from the Location answered. */
async function startUpload(proxy: FaultProxy): Promise<string> {
  const started = await send(proxy.endpoint, "POST", "/v2/r/blobs/uploads/");
  expect(started.status).toBe(202);
  const location = new URL(String(started.headers.location));
  expect(location.host).toBe(proxy.host);
  return location.pathname;
}

describe("FaultProxy", () => {
  let fake: FakeEcr | undefined;
  let proxy: FaultProxy | undefined;
  const upstreams = () => fake as FakeEcr;

  async function start(options: Omit<FaultProxyOptions, "upstream">): Promise<FaultProxy> {
    fake ??= await FakeEcr.start();
    proxy = await FaultProxy.start({ upstream: `http://${fake.host}`, ...options });
    return proxy;
  }

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await fake?.close();
    fake = undefined;
  });

  it("passes an upload through untouched, rewriting Locations and counting the body bytes", async () => {
    const p = await start({ seed: 3 });
    const session = await startUpload(p);
    const body = Buffer.alloc(10_000, 7);
    const patched = await send(p.endpoint, "PATCH", session, { body });
    expect(patched.status).toBe(202);
    expect(new URL(String(patched.headers.location)).host).toBe(p.host);
    const committed = await send(p.endpoint, "PUT", `${session}?digest=${DIGEST}`, { body: Buffer.alloc(5) });
    expect(committed).toMatchObject({ status: 201, headers: { "docker-content-digest": DIGEST } });
    expect(new URL(String(committed.headers.location)).host).toBe(p.host);
    const call = await ecrCall(p.endpoint, "InitiateLayerUpload");
    expect(JSON.parse(call.body)).toEqual({ operation: "InitiateLayerUpload", endpoint: p.endpoint });

    const patch = await upstreams().closed((s) => s.method === "PATCH");
    expect(patch).toMatchObject({ bytes: 10_000, complete: true });
    expect(p.counts).toMatchObject({
      requests: 4,
      registryBytesReceived: 10_005,
      registryBytesForwarded: 10_005,
      faultsByKind: {},
      seen: { "registry POST": 1, "registry PATCH": 1, "registry PUT": 1, "control POST": 1 },
    });
    expect(p.faultsInjected).toBe(0);
  });

  it("cuts a PATCH after N bytes: the upstream holds exactly N, the client sees a reset", async () => {
    const p = await start({ cutPatchRate: 1, cutAfterBytes: 1000 });
    const session = await startUpload(p);
    const body = Buffer.alloc(256 * 1024, 1);
    await expect(send(p.endpoint, "PATCH", session, { body })).rejects.toThrow(RESET);
    const patch = await upstreams().closed((s) => s.method === "PATCH");
    expect(patch).toMatchObject({ url: session, bytes: 1000, complete: false });
    expect(p.counts).toMatchObject({
      patchesCut: 1,
      bytesForwardedBeforeCut: 1000,
      registryBytesForwarded: 1000,
      faultsByPlane: { registry: 1, control: 0 },
      faultsByKind: { "patchCut registry PATCH": 1 },
    });
    expect(p.counts.registryBytesReceived).toBeGreaterThanOrEqual(1000);
    expect(p.counts.registryBytesReceived).toBeLessThanOrEqual(body.length);
    expect(p.faultsInjected).toBe(1);

    // The commit PUT is no PATCH: it passes.
    const committed = await send(p.endpoint, "PUT", `${session}?digest=${DIGEST}`);
    expect(committed.status).toBe(201);
  });

  it("cuts where a function of the request says, chunked bodies too", async () => {
    const asked: (FaultRequest & { contentLength?: number })[] = [];
    const p = await start({
      cutPatchRate: 1,
      cutAfterBytes: (request) => {
        asked.push(request);
        return request.contentLength === undefined ? 3000 : request.contentLength / 4;
      },
    });
    const first = await startUpload(p);
    await expect(send(p.endpoint, "PATCH", first, { body: Buffer.alloc(40_000) })).rejects.toThrow(RESET);
    expect(await upstreams().closed((s) => s.url === first && s.method === "PATCH")).toMatchObject({
      bytes: 10_000,
      complete: false,
    });
    const second = await startUpload(p);
    await expect(
      send(p.endpoint, "PATCH", second, { body: Buffer.alloc(20_000), chunked: true }),
    ).rejects.toThrow(RESET);
    expect(await upstreams().closed((s) => s.url === second && s.method === "PATCH")).toMatchObject({
      bytes: 3000,
      complete: false,
    });
    expect(asked).toEqual([
      { plane: "registry", method: "PATCH", path: first, contentLength: 40_000 },
      { plane: "registry", method: "PATCH", path: second, contentLength: undefined },
    ]);
    expect(p.counts).toMatchObject({ patchesCut: 2, bytesForwardedBeforeCut: 13_000 });
  });

  it("a body shorter than the cut is forwarded whole, then the connections are cut all the same", async () => {
    const p = await start({ cutPatchRate: 1, cutAfterBytes: 1_000_000 });
    const session = await startUpload(p);
    await expect(
      send(p.endpoint, "PATCH", session, { body: Buffer.alloc(500), chunked: true }),
    ).rejects.toThrow(RESET);
    expect(await upstreams().closed((s) => s.method === "PATCH")).toMatchObject({
      bytes: 500,
      complete: false,
    });
    expect(p.counts).toMatchObject({ patchesCut: 1, bytesForwardedBeforeCut: 500 });
  });

  it("drops the answer of a commit PUT that the upstream carried out", async () => {
    const p = await start({ dropCommitAnswerRate: 1 });
    const session = await startUpload(p);
    expect((await send(p.endpoint, "PATCH", session, { body: Buffer.alloc(2048) })).status).toBe(202);
    const commit = `${session}?digest=${DIGEST}`;
    await expect(send(p.endpoint, "PUT", commit)).rejects.toThrow(RESET);
    expect(await upstreams().closed((s) => s.method === "PUT")).toMatchObject({
      url: commit,
      complete: true,
    });
    // A manifest PUT is no blob commit: it passes.
    expect((await send(p.endpoint, "PUT", "/v2/r/manifests/1", { body: Buffer.alloc(3) })).status).toBe(404);
    expect(p.counts).toMatchObject({
      commitAnswersDropped: 1,
      resetsAfterAnswer: 0,
      faultsByKind: { "commitAnswerDropped registry PUT": 1 },
      registryBytesForwarded: 2048 + 3,
    });
  });

  it("forgets an upload session: 404 BLOB_UPLOAD_UNKNOWN for it from then on, never forwarded", async () => {
    const p = await start({ forgetSessionRate: 1 });
    const session = await startUpload(p);
    const patched = await send(p.endpoint, "PATCH", session, { body: Buffer.alloc(4096) });
    expect(patched.status).toBe(404);
    expect(patched.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(patched.body)).toEqual({
      errors: [{ code: "BLOB_UPLOAD_UNKNOWN", message: "blob upload unknown to registry" }],
    });
    // Remembered, whatever the rates say now.
    p.rates.forgetSession = 0;
    for (const [method, path] of [
      ["PUT", `${session}?digest=${DIGEST}`],
      ["GET", session],
    ] as const) {
      const again = await send(p.endpoint, method, path);
      expect(again.status).toBe(404);
      expect(JSON.parse(again.body).errors[0].code).toBe("BLOB_UPLOAD_UNKNOWN");
    }
    // Another session is not forgotten.
    const other = await startUpload(p);
    expect((await send(p.endpoint, "PATCH", other, { body: Buffer.alloc(10) })).status).toBe(202);

    expect(upstreams().seen.filter((s) => s.url.startsWith(session))).toEqual([]);
    expect(p.counts).toMatchObject({
      sessionsForgotten: 1,
      forgottenSessionRequests: 3,
      registryBytesReceived: 4096 + 10,
      registryBytesForwarded: 10,
      faultsByKind: {
        "sessionForgotten registry PATCH": 1,
        "forgottenSessionAgain registry PUT": 1,
        "forgottenSessionAgain registry GET": 1,
      },
    });
    expect(p.faultsInjected).toBe(3);
  });

  it("throttles the named ECR operations only, telling the filter the operation", async () => {
    const filtered: FaultRequest[] = [];
    const p = await start({
      throttleRate: 1,
      throttleOperations: ["UploadLayerPart"],
      faults: (request) => {
        filtered.push(request);
        return true;
      },
    });
    const throttled = await ecrCall(p.endpoint, "UploadLayerPart");
    expect(throttled.status).toBe(400);
    expect(throttled.headers["x-amzn-errortype"]).toBe("ThrottlingException");
    expect(JSON.parse(throttled.body)).toEqual({ __type: "ThrottlingException", message: "Rate exceeded" });
    const passed = await ecrCall(p.endpoint, "CompleteLayerUpload");
    expect(passed.status).toBe(200);
    expect(await startUpload(p)).toMatch(/^\/v2\/r\/blobs\/uploads\//);

    expect(upstreams().seen.map((s) => s.method + (s.url === "/" ? "" : ` ${s.url}`))).toEqual([
      "POST",
      "POST /v2/r/blobs/uploads/",
    ]);
    expect(filtered.map(({ plane, operation }) => [plane, operation])).toEqual([
      ["control", "UploadLayerPart"],
      ["control", "CompleteLayerUpload"],
      ["registry", undefined],
    ]);
    expect(p.counts).toMatchObject({
      throttled: 1,
      faultsByKind: { "throttled control UploadLayerPart": 1 },
    });
  });

  it("throttles every ECR operation when none is named, and 503s on the control plane carry x-amzn-ErrorType", async () => {
    const p = await start({ throttleRate: 1 });
    expect((await ecrCall(p.endpoint, "PutImage")).status).toBe(400);
    p.rates = { throttle: 0, unavailable: 1 };
    const unavailable = await ecrCall(p.endpoint, "PutImage");
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers["x-amzn-errortype"]).toBe("ServiceUnavailableException");
    expect(JSON.parse(unavailable.body).__type).toBe("ServiceUnavailableException");
    const registry = await send(p.endpoint, "POST", "/v2/r/blobs/uploads/");
    expect(registry.status).toBe(503);
    expect(registry.headers["x-amzn-errortype"]).toBeUndefined();
    expect(p.counts).toMatchObject({
      throttled: 1,
      unavailable: 2,
      faultsByKind: {
        "throttled control PutImage": 1,
        "unavailable control PutImage": 1,
        "unavailable registry POST": 1,
      },
    });
    expect(upstreams().seen).toEqual([]);
  });

  it("shares one seeded draw per request out as documented, so a seed tells the same story again", async () => {
    const SEED = 99;
    const rates = { reset: 0.2, unavailable: 0.2, forgetSession: 0.2, cutPatch: 0.2 };
    const p = await start({
      seed: SEED,
      resetRate: rates.reset,
      unavailableRate: rates.unavailable,
      forgetSessionRate: rates.forgetSession,
      cutPatchRate: rates.cutPatch,
      cutAfterBytes: 100,
    });
    // The documented layout of the fate draw (the second draw of each request is its delay's).
    const random = mulberry32(SEED);
    const expected: string[] = [];
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      const fate = random();
      random();
      const edge = rates.reset + rates.unavailable;
      if (fate < rates.reset) expected.push("reset");
      else if (fate < edge) expected.push("503");
      else if (fate < edge + rates.forgetSession) expected.push("404");
      else if (fate < edge + rates.forgetSession + rates.cutPatch) expected.push("reset");
      else expected.push("202");
      // Distinct sessions (the fake accepts any id), so no forgotten one is asked again.
      const answer = await send(p.endpoint, "PATCH", `/v2/r/blobs/uploads/s${i}`, {
        body: Buffer.alloc(1000),
      }).then(
        (a) => String(a.status),
        () => "reset",
      );
      outcomes.push(answer);
    }
    expect(outcomes).toEqual(expected);
    const { counts } = p;
    expect(counts.resetsBeforeForwarding + counts.resetsAfterAnswer + counts.patchesCut).toBe(
      expected.filter((e) => e === "reset").length,
    );
    expect(counts.sessionsForgotten).toBe(expected.filter((e) => e === "404").length);
    expect(counts.unavailable).toBe(expected.filter((e) => e === "503").length);
    expect(new Set(expected)).toEqual(new Set(["reset", "503", "404", "202"]));
    expect(Object.values(counts.faultsByKind).reduce((a, b) => a + b, 0)).toBe(p.faultsInjected);
  });

  it("checks the rates: each from 0 to 1, those that can hit one request adding up to 1 at most", async () => {
    await expect(start({ resetRate: 0.6, unavailableRate: 0.5 })).rejects.toThrow(
      /resetRate 0\.6 \+ unavailableRate 0\.5.*more than 1/,
    );
    await expect(start({ cutPatchRate: 1.5 })).rejects.toThrow(/cutPatchRate must be a number from 0 to 1/);
    await expect(start({ resetRate: 0.4, forgetSessionRate: 0.3, cutPatchRate: 0.31 })).rejects.toThrow(
      /registry PATCH add up to 1\.01/,
    );
    await expect(start({ cutAfterBytes: -1 })).rejects.toThrow(/cutAfterBytes/);

    // 30% of every kind fits: the kinds that never meet share the same stretch of the draw.
    const p = await start({
      resetRate: 0.3,
      unavailableRate: 0.3,
      throttleRate: 0.3,
      cutPatchRate: 0.3,
      dropCommitAnswerRate: 0.3,
      forgetSessionRate: 0.1,
      delayRate: 0.3,
    });
    expect(p.rates).toEqual({
      reset: 0.3,
      unavailable: 0.3,
      delay: 0.3,
      maxDelayMs: 0,
      throttle: 0.3,
      cutPatch: 0.3,
      dropCommitAnswer: 0.3,
      forgetSession: 0.1,
    });
    expect(() => {
      p.rates.forgetSession = 0.2;
    }).toThrow(/forgetSessionRate 0\.2 \+ cutPatchRate 0\.3\), more than 1/);
    expect(() => {
      p.rates.throttle = -0.1;
    }).toThrow(/throttleRate must be a number from 0 to 1/);
    expect(() => {
      (p.rates as unknown as Record<string, number>).cutPatchRate = 0.1;
    }).toThrow(/no rate named cutPatchRate/);
    expect(p.rates.forgetSession).toBe(0.1);
    // Several at once, checked together.
    p.rates = { cutPatch: 0, dropCommitAnswer: 0, forgetSession: 0.4 };
    expect(p.rates).toMatchObject({ cutPatch: 0, dropCommitAnswer: 0, forgetSession: 0.4, reset: 0.3 });
    expect(() => {
      p.rates = { reset: 0.7 };
    }).toThrow(/more than 1/);
    expect(p.rates.reset).toBe(0.3);
  });
});
