import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeMultiPlatformOciLayout } from "@ecr-push/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { RegistryEngine } from "../../../src/engine/registry/engine.js";
import type { Descriptor } from "../../../src/oci/index.js";
import type { PushProgress } from "../../../src/ports/index.js";
import { isAttestation, selectManifests } from "../../../src/select/index.js";
import { FakeRegistry } from "../registry/fake-registry.js";

const dir = mkdtempSync(path.join(tmpdir(), "select-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const image = (digest: string, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest,
  size: 100,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});
const attestation = (digest: string, subject?: string): Descriptor => ({
  ...image(digest, "unknown", "unknown"),
  annotations: {
    "vnd.docker.reference.type": "attestation-manifest",
    ...(subject ? { "vnd.docker.reference.digest": subject } : {}),
  },
});
const d = (c: string) => `sha256:${c.repeat(64)}`;
const AMD = image(d("a"), "linux", "amd64");
const ARM = image(d("b"), "linux", "arm64", "v8");
const ARM7 = image(d("c"), "linux", "arm", "v7");
const ATT_AMD = attestation(d("d"), AMD.digest);
const ATT_ARM = attestation(d("e"), ARM.digest);
const INDEX = [AMD, ARM, ARM7, ATT_AMD, ATT_ARM];
const ctx = { reference: "oci:build", platformName: "--platform" };

describe("selectManifests", () => {
  it("keeps the index whole when nothing is asked", () => {
    expect(selectManifests(INDEX, {}, ctx)).toEqual({
      kind: "index",
      manifests: INDEX,
      changed: false,
      dropped: 0,
    });
  });

  it("gives the one image a single platform names, leaving everything else out", () => {
    expect(selectManifests(INDEX, { platforms: [{ os: "linux", architecture: "amd64" }] }, ctx)).toEqual({
      kind: "image",
      manifest: AMD,
      dropped: 4,
    });
    // A platform without a variant matches any variant.
    const arm = selectManifests(INDEX, { platforms: [{ os: "linux", architecture: "arm64" }] }, ctx);
    expect(arm).toMatchObject({ kind: "image", manifest: ARM });
  });

  it("keeps several platforms as an index, with the attestations of the images kept", () => {
    const two = selectManifests(
      INDEX,
      {
        platforms: [
          { os: "linux", architecture: "amd64" },
          { os: "linux", architecture: "arm64", variant: "v8" },
        ],
      },
      ctx,
    );
    expect(two).toEqual({
      kind: "index",
      manifests: [AMD, ARM, ATT_AMD, ATT_ARM],
      changed: true,
      dropped: 1,
    });
  });

  it("drops attestation manifests, and only them", () => {
    expect(selectManifests(INDEX, { dropAttestations: true }, ctx)).toEqual({
      kind: "index",
      manifests: [AMD, ARM, ARM7],
      changed: true,
      dropped: 2,
    });
    expect(INDEX.filter(isAttestation)).toEqual([ATT_AMD, ATT_ARM]);
    // Nothing to drop: the index is unchanged (its digest too).
    expect(selectManifests([AMD, ARM], { dropAttestations: true }, ctx)).toMatchObject({ changed: false });
  });

  it("keeps an attestation naming no image only while every image is kept", () => {
    const loose = attestation(d("f"));
    expect(selectManifests([AMD, ARM, loose], {}, ctx)).toMatchObject({ manifests: [AMD, ARM, loose] });
    const some = selectManifests(
      [AMD, ARM, ARM7, loose],
      {
        platforms: [
          { os: "linux", architecture: "amd64" },
          { os: "linux", architecture: "arm" },
        ],
      },
      ctx,
    );
    expect(some).toMatchObject({ manifests: [AMD, ARM7] });
  });

  it("names every platform present when one asked for is not (attestations are not platforms)", () => {
    expect(() =>
      selectManifests(
        INDEX,
        {
          platforms: [
            { os: "linux", architecture: "amd64" },
            { os: "windows", architecture: "amd64" },
          ],
        },
        ctx,
      ),
    ).toThrow(
      'Invalid --platform "windows/amd64": oci:build has no such platform (it has linux/amd64, linux/arm64/v8, linux/arm/v7), so pick one of those.',
    );
  });
});

describe("the registry engine on an OCI layout holding an index", () => {
  const layout = writeMultiPlatformOciLayout(path.join(dir, "layout"));
  const source = { kind: "oci" as const, path: layout.dir, reference: `oci:${layout.dir}` };

  async function push(selection: {
    platforms?: { os: string; architecture: string }[];
    dropAttestations?: boolean;
  }) {
    const registry = await FakeRegistry.start();
    const lines: string[] = [];
    const engine = new RegistryEngine({
      source,
      sourceInputName: "SOURCE",
      selection: { ...selection, platformName: "--platform" },
    });
    try {
      const inspected = await engine.inspect(source.reference);
      await engine.login(registry.host, "AWS", registry.password);
      const pushed = await engine.push(`${registry.host}/team/web:1`, (p: PushProgress) => {
        if (p.line) lines.push(p.line);
      });
      return { registry, pushed, lines, inspected };
    } finally {
      await engine.dispose();
      await registry.close();
    }
  }

  it("pushes one platform as that image manifest: its blobs first, then the tag, nothing else", async () => {
    const amd64 = layout.images[0] as { digest: string; blobs: string[] };
    const { registry, pushed, lines, inspected } = await push({
      platforms: [{ os: "linux", architecture: "amd64" }],
    });
    expect(pushed.digest).toBe(amd64.digest);
    // The image ID is the image's config digest, as for any single image.
    expect(inspected?.id).toBe(amd64.blobs[0]);
    expect(registry.manifests.get("1")?.bytes).toEqual(
      readFileSync(path.join(layout.dir, "blobs", "sha256", amd64.digest.slice(7))),
    );
    const writes = registry.requests.filter((r) => r.method === "PUT" || r.method === "POST");
    const manifestPuts = writes.filter((r) => r.path.includes("/manifests/"));
    expect(manifestPuts.map((r) => r.path.split("/").at(-1))).toEqual(["1"]);
    expect(writes.at(-1)?.path).toMatch(/\/manifests\/1$/);
    expect(lines.at(-1)).toBe(
      `Only the linux/amd64 image of the index was pushed, so the digest is that image manifest's (${amd64.digest}), not the index's (${layout.indexDigest}).`,
    );
  });

  it("pushes the index without its attestations: children first, the rewritten index last", async () => {
    const { registry, pushed, lines } = await push({ dropAttestations: true });
    const whole = JSON.parse(layout.index.toString()) as { manifests: unknown[] };
    const rewritten = Buffer.from(JSON.stringify({ ...whole, manifests: whole.manifests.slice(0, 2) }));
    expect(registry.manifests.get("1")?.bytes).toEqual(rewritten);
    expect(pushed.digest).toBe(
      `sha256:${(await import("node:crypto")).createHash("sha256").update(rewritten).digest("hex")}`,
    );
    const manifestPuts = registry.requests.filter(
      (r) => r.method === "PUT" && r.path.includes("/manifests/"),
    );
    expect(manifestPuts.map((r) => r.path.split("/").at(-1))).toEqual([
      ...layout.images.map((i) => i.digest),
      "1",
    ]);
    for (const a of layout.attestations) expect(registry.manifests.has(a.digest)).toBe(false);
    expect(lines.at(-1)).toContain(`the digest changed from ${layout.indexDigest} to ${pushed.digest}.`);
  });

  it("refuses a platform the layout's index lacks before anything is sent", async () => {
    await expect(push({ platforms: [{ os: "linux", architecture: "s390x" }] })).rejects.toThrow(
      `Invalid --platform "linux/s390x": oci:${layout.dir} has no such platform (it has linux/amd64, linux/arm64/v8), so pick one of those.`,
    );
  });
});
