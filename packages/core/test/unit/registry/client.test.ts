import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RegistryClient } from "../../../src/registry/index.js";
import { clientOf, FakeRegistry } from "./fake-registry.js";

const digestOf = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

describe("RegistryClient", () => {
  let registry: FakeRegistry;
  let client: RegistryClient;
  beforeEach(async () => {
    registry = await FakeRegistry.start();
    client = clientOf(registry);
  });
  afterEach(async () => {
    client.close();
    await registry.close();
  });

  it("uploads a blob in one POST, one streamed PATCH and a PUT with the digest, then finds it", async () => {
    const data = Buffer.alloc(300_000, 7);
    const uploaded = await client.uploadBlob("team/web", () =>
      Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
    );
    expect(uploaded).toEqual({ digest: digestOf(data), size: data.length });
    expect(registry.requests.map((r) => r.method)).toEqual(["POST", "PATCH", "PUT"]);
    expect(await client.hasBlob("team/web", uploaded.digest)).toBe(true);
    expect(await client.hasBlob("team/web", digestOf(Buffer.from("other")))).toBe(false);
  });

  it("retries a PATCH answered 5xx in a fresh session with the source re-opened", async () => {
    let failures = 1;
    registry.fail = (r) =>
      r.method === "PATCH" && failures-- > 0
        ? { status: 503, code: "UNAVAILABLE", message: "busy" }
        : undefined;
    let opened = 0;
    const data = Buffer.from("layer");
    const uploaded = await client.uploadBlob("team/web", () => {
      opened++;
      return Readable.from([data]);
    });
    expect(uploaded.digest).toBe(digestOf(data));
    expect(opened).toBe(2);
    expect(registry.requests.map((r) => r.method)).toEqual([
      "POST",
      "PATCH",
      "DELETE",
      "POST",
      "PATCH",
      "PUT",
    ]);
  });

  it("puts a manifest with its exact media type and says which tag is immutable", async () => {
    const bytes = Buffer.from('{"schemaVersion":2}');
    expect(
      await client.putManifest("team/web", "v1", "application/vnd.oci.image.manifest.v1+json", bytes),
    ).toBe(digestOf(bytes));
    expect(registry.requests.at(-1)?.contentType).toBe("application/vnd.oci.image.manifest.v1+json");
    registry.fail = () => ({
      status: 400,
      code: "TAG_INVALID",
      message:
        "The image tag 'v1' already exists in the 'team/web' repository and cannot be overwritten because the repository is immutable.",
    });
    await expect(client.putManifest("team/web", "v1", "application/json", bytes)).rejects.toMatchObject({
      code: "ImageTagAlreadyExists",
      message:
        "The tag v1 already exists in team/web and the repository's tags are immutable: push a new tag or make the repository's tags mutable.",
    });
    expect(registry.requests.filter((r) => r.method === "PUT")).toHaveLength(2);
  });

  it("fails a blob whose commit the registry answers with another digest, in one sentence, never retried", async () => {
    const data = Buffer.from("layer bytes");
    const other = digestOf(Buffer.from("something else"));
    registry.reportDigest = (r, digest) => (r.path.includes("/blobs/uploads/") ? other : digest);
    let opened = 0;
    await expect(
      client.uploadBlob("team/web", () => {
        opened++;
        return Readable.from([data]);
      }),
    ).rejects.toMatchObject({
      code: "RegistryDigestMismatch",
      kind: "failure",
      message: `The registry ${registry.host} answered the upload of blob ${digestOf(data)} to team/web with digest ${other}: the data changed on the way, so nothing was tagged; check for a proxy or gateway that rewrites registry traffic, then push again.`,
    });
    expect(opened).toBe(1);
    expect(registry.requests.map((r) => r.method)).toEqual(["POST", "PATCH", "PUT"]);
    // A checked upload (a stored blob, a promoted one) is held to the same answer.
    await expect(
      client.uploadBlob("team/web", () => Readable.from([data]), {
        digest: digestOf(data),
        size: data.length,
      }),
    ).rejects.toMatchObject({ code: "RegistryDigestMismatch" });
    // The same digest in capitals, or no digest at all, is no mismatch.
    registry.reportDigest = (_, digest) => digest.toUpperCase().replace("SHA256", "sha256");
    expect((await client.uploadBlob("team/web", () => Readable.from([data]))).digest).toBe(digestOf(data));
    registry.reportDigest = () => "";
    expect((await client.uploadBlob("team/web", () => Readable.from([data]))).digest).toBe(digestOf(data));
  });

  it("fails a manifest the registry stores under another digest, saying whether a tag may have moved", async () => {
    const bytes = Buffer.from('{"schemaVersion":2,"layers":[]}');
    const other = digestOf(Buffer.from('{"schemaVersion":2}'));
    const type = "application/vnd.oci.image.manifest.v1+json";
    registry.reportDigest = () => other;
    await expect(client.putManifest("team/web", "v1", type, bytes)).rejects.toMatchObject({
      code: "RegistryDigestMismatch",
      message: `The registry ${registry.host} answered the manifest ${digestOf(bytes)} put to team/web:v1 with digest ${other}: the manifest changed on the way or in the registry, and the tag v1 may already point at what the registry stored; check for a proxy or gateway that rewrites registry traffic, then push again.`,
    });
    await expect(client.putManifest("team/web", digestOf(bytes), type, bytes)).rejects.toMatchObject({
      code: "RegistryDigestMismatch",
      message: `The registry ${registry.host} answered the manifest ${digestOf(bytes)} put to team/web with digest ${other}: the manifest changed on the way or in the registry, so nothing was tagged; check for a proxy or gateway that rewrites registry traffic, then push again.`,
    });
    // One PUT each: not retried.
    expect(registry.requests.filter((r) => r.method === "PUT")).toHaveLength(2);
    // A registry that hashes with another algorithm is checked in that algorithm.
    const sha512 = `sha512:${createHash("sha512").update(bytes).digest("hex")}`;
    registry.reportDigest = () => sha512;
    expect(await client.putManifest("team/web", "v1", type, bytes)).toBe(sha512);
  });

  it("words refused credentials and an unreachable registry in one sentence each", async () => {
    const wrong = new RegistryClient({
      registry: registry.host,
      username: "AWS",
      password: "wrong",
      retryDelayMs: 1,
    });
    await expect(wrong.hasBlob("team/web", digestOf(Buffer.from("x")))).rejects.toThrow(/\(HTTP 401\)/);
    await expect(wrong.getManifest("team/web", "v1")).rejects.toMatchObject({
      code: "RegistryAuthFailed",
      message: `The registry ${registry.host} refused the push to team/web (authentication required): check that the credentials may push to this repository and have not expired.`,
    });
    wrong.close();
    const host = registry.host;
    await registry.close();
    const gone = new RegistryClient({
      registry: host,
      username: "AWS",
      password: "p",
      retryDelayMs: 1,
      attempts: 3,
    });
    await expect(gone.hasBlob("team/web", digestOf(Buffer.from("x")))).rejects.toMatchObject({
      code: "RegistryUnreachable",
      message: expect.stringMatching(
        /^Could not reach the registry 127\.0\.0\.1:\d+ while checking blob sha256:\w+ \(ECONNREFUSED\) after 3 attempts: check the network and proxy settings, then push again\.$/,
      ),
    });
    gone.close();
    registry = await FakeRegistry.start();
  });
});
