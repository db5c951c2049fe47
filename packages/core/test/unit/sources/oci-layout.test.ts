import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openOciLayout } from "../../../src/sources/oci-layout.js";
import { sha256 } from "./tar-writer.js";

const root = mkdtempSync(path.join(tmpdir(), "oci-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

/** Writes a layout; returns a function that adds a blob and gives its descriptor. */
function layout(name: string) {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, "blobs", "sha256"), { recursive: true });
  writeFileSync(path.join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const blob = (data: string, mediaType: string) => {
    const digest = sha256(data);
    writeFileSync(path.join(dir, "blobs", "sha256", digest.slice(7)), data);
    return { mediaType, digest, size: Buffer.byteLength(data) };
  };
  const image = (arch: string) => {
    const config = blob(
      JSON.stringify({ architecture: arch, os: "linux" }),
      "application/vnd.oci.image.config.v1+json",
    );
    const layer = blob(`layer-${arch}`, "application/vnd.oci.image.layer.v1.tar+gzip");
    return blob(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }),
      OCI_MANIFEST,
    );
  };
  const index = (manifests: object[]) =>
    writeFileSync(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
  return { dir, blob, image, index };
}
const ctx = { reference: "oci:layout", inputName: "source" };
const ref = (name: string) => ({ annotations: { "org.opencontainers.image.ref.name": name } });

describe("openOciLayout", () => {
  it("opens the only manifest, or one by ref name", async () => {
    const l = layout("single");
    const amd = l.image("amd64");
    const arm = l.image("arm64");
    l.index([{ ...amd, ...ref("amd") }]);
    const opened = await openOciLayout(l.dir, undefined, ctx);
    expect(opened.artifact).toMatchObject({ kind: "manifest", digest: amd.digest, mediaType: OCI_MANIFEST });
    l.index([
      { ...amd, ...ref("amd") },
      { ...arm, ...ref("arm") },
    ]);
    expect((await openOciLayout(l.dir, "arm", ctx)).artifact).toMatchObject({ digest: arm.digest });
    await expect(openOciLayout(l.dir, undefined, ctx)).rejects.toThrow(
      "oci:layout lists 2 manifests (it has amd, arm): add :REF to the folder in source.",
    );
  });

  it("opens a multi-platform index with its children", async () => {
    const l = layout("multi");
    const children = [l.image("amd64"), l.image("arm64")];
    const index = l.blob(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }),
      OCI_INDEX,
    );
    l.index([{ ...index, ...ref("multi") }]);
    const opened = await openOciLayout(l.dir, "multi", ctx);
    expect(opened.id).toBe(index.digest);
    if (opened.artifact.kind !== "index") throw new Error("expected an index");
    expect(opened.artifact.children.map((c) => c.kind === "manifest" && c.digest)).toEqual(
      children.map((c) => c.digest),
    );
  });

  it("says what is wrong with a missing folder, a non-layout or a missing blob", async () => {
    await expect(openOciLayout(path.join(root, "none"), undefined, ctx)).rejects.toMatchObject({
      kind: "input",
      message: "Cannot read oci:layout (it does not exist): check source.",
    });
    mkdirSync(path.join(root, "plain"));
    await expect(openOciLayout(path.join(root, "plain"), undefined, ctx)).rejects.toThrow(
      "oci:layout is not a valid image source (it has no oci-layout file): make it again, e.g. with skopeo copy ... oci:DIR.",
    );
    const l = layout("broken");
    const m = l.image("amd64");
    l.index([m]);
    rmSync(path.join(l.dir, "blobs", "sha256", sha256("layer-amd64").slice(7)));
    await expect(openOciLayout(l.dir, undefined, ctx)).rejects.toThrow(/blob sha256:[a-f0-9]{64} is missing/);
  });
});
