import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LayerApiError, type LayerPartsApi, RegistryClient } from "../../../src/registry/index.js";
import { FakeRegistry } from "./fake-registry.js";

const MiB = 1024 * 1024;
const digestOf = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** ECR's layer API in memory: parts must follow each other, as ECR wants. */
class FakeLayerApi implements LayerPartsApi {
  readonly calls: string[] = [];
  readonly parts: Buffer[] = [];
  completed: string | undefined;
  /** Answers chosen calls with an error instead (by call text, e.g. `part 10485760`). */
  fail: (call: string) => Error | undefined = () => undefined;

  async initiate(): Promise<{ uploadId: string; partSize: number }> {
    this.#call("initiate");
    return { uploadId: "u1", partSize: 10 * MiB };
  }

  async uploadPart(_repository: string, _id: string, first: number, last: number, bytes: Uint8Array) {
    this.#call(`part ${first}`);
    const held = this.parts.reduce((n, part) => n + part.length, 0);
    if (first !== held) throw new LayerApiError(400, "InvalidLayerPartException", "not next", held - 1);
    expect(last - first + 1).toBe(bytes.length);
    this.parts.push(Buffer.from(bytes));
  }

  async complete(_repository: string, _id: string, digest: string) {
    this.#call("complete");
    this.completed = digest;
  }

  #call(call: string) {
    this.calls.push(call);
    const error = this.fail(call);
    if (error) throw error;
  }
}

describe("RegistryClient with ECR's layer API", () => {
  let registry: FakeRegistry;
  let client: RegistryClient | undefined;
  const data = Buffer.alloc(25 * MiB);
  for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;

  beforeEach(async () => {
    registry = await FakeRegistry.start();
  });
  afterEach(async () => {
    client?.close();
    await registry.close();
  });

  function upload(api: LayerPartsApi, blob = data) {
    client = new RegistryClient({
      registry: registry.host,
      username: "AWS",
      password: registry.password,
      layerParts: api,
      clock: { now: () => new Date(0), sleep: async () => {} },
    });
    return client.uploadBlob("team/web", () => Readable.from([blob]), {
      digest: digestOf(blob),
      size: blob.length,
    });
  }

  it("moves a blob whose PATCH was cut after 10 MiB to parts, each retried alone", async () => {
    registry.fail = (r) => (r.method === "PATCH" ? { status: 0, code: "", message: "" } : undefined);
    const api = new FakeLayerApi();
    let throttled = 1;
    api.fail = (call) =>
      call === `part ${10 * MiB}` && throttled-- > 0
        ? new LayerApiError(429, "ThrottlingException", "Rate exceeded")
        : undefined;
    expect(await upload(api)).toEqual({ digest: digestOf(data), size: data.length });
    expect(api.calls).toEqual([
      "initiate",
      "part 0",
      `part ${10 * MiB}`,
      `part ${10 * MiB}`,
      `part ${20 * MiB}`,
      "complete",
    ]);
    expect(api.parts.map((part) => part.length)).toEqual([10 * MiB, 10 * MiB, 5 * MiB]);
    expect(Buffer.concat(api.parts).equals(data)).toBe(true);
    expect(api.completed).toBe(digestOf(data));
    // One PATCH cut, its session deleted; then nothing more on the registry API.
    expect(registry.requests.map((r) => r.method)).toEqual(["POST", "PATCH", "DELETE"]);
  });

  it("takes a part whose answer was lost as landed when ECR says it holds it", async () => {
    registry.fail = (r) => (r.method === "PATCH" ? { status: 0, code: "", message: "" } : undefined);
    const api = new FakeLayerApi();
    // The first try of part 2 lands but its answer is lost: the retry is told it is there.
    let lost = 1;
    const real = api.uploadPart.bind(api);
    api.uploadPart = async (...args) => {
      await real(...args);
      if (args[2] === 10 * MiB && lost-- > 0)
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    };
    expect(await upload(api)).toEqual({ digest: digestOf(data), size: data.length });
    expect(api.parts.map((part) => part.length)).toEqual([10 * MiB, 10 * MiB, 5 * MiB]);
  });

  it("goes on with PATCH when the layer API is refused", async () => {
    let cuts = 1;
    registry.fail = (r) =>
      r.method === "PATCH" && cuts-- > 0 ? { status: 0, code: "", message: "" } : undefined;
    const api = new FakeLayerApi();
    api.fail = (call) =>
      call === "initiate"
        ? new LayerApiError(400, "AccessDeniedException", "not authorized to perform ecr:InitiateLayerUpload")
        : undefined;
    expect(await upload(api)).toEqual({ digest: digestOf(data), size: data.length });
    expect(api.calls).toEqual(["initiate"]);
    expect(registry.requests.map((r) => r.method)).toEqual([
      "POST",
      "PATCH",
      "DELETE",
      "POST",
      "PATCH",
      "PUT",
    ]);
  });

  it("keeps a blob cut before 10 MiB on PATCH", async () => {
    const small = Buffer.alloc(2 * MiB, 1);
    let cuts = 1;
    registry.fail = (r) =>
      r.method === "PATCH" && cuts-- > 0 ? { status: 0, code: "", message: "" } : undefined;
    const api = new FakeLayerApi();
    await upload(api, small);
    expect(api.calls).toEqual([]);
  });
});
