import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import {
  type Descriptor,
  INDEX_MEDIA_TYPES,
  type ManifestDocument,
  MediaTypes,
  sha256,
} from "../oci/index.js";
import { corrupt, notChosen, parseJson, type SourceContext, unreadable } from "./errors.js";
import type { Artifact, OpenedSource, StoredBlob } from "./types.js";

const REF_NAME = "org.opencontainers.image.ref.name";
const FIX = "make it again, e.g. with skopeo copy ... oci:DIR";
const MAX_DEPTH = 4;

/**
 * Opens an OCI image layout (oci-layout, index.json, blobs/<alg>/<hex>). `ref` picks a manifest by
 * its ref.name annotation; without one the layout must name exactly one. Blobs are sent as stored.
 */
export async function openOciLayout(
  dir: string,
  ref: string | undefined,
  ctx: SourceContext,
): Promise<OpenedSource> {
  try {
    if (!(await stat(dir)).isDirectory()) {
      throw Object.assign(new Error("not a folder"), {
        code: "a file; use docker-archive:PATH for a docker save archive",
      });
    }
  } catch (error) {
    throw unreadable(ctx, error);
  }
  const layoutFile = await readFile(path.join(dir, "oci-layout")).catch(() => undefined);
  if (!layoutFile) throw corrupt(ctx, "it has no oci-layout file", FIX);
  const index = parseJson<ManifestDocument>(
    ctx,
    await readFile(path.join(dir, "index.json")).catch(() => Buffer.from("")),
    "index.json",
  );
  const listed = Array.isArray(index.manifests) ? index.manifests : [];
  const names = listed.flatMap((d) => d.annotations?.[REF_NAME] ?? []);
  const chosen =
    ref === undefined
      ? listed.length === 1
        ? listed[0]
        : undefined
      : listed.find((d) => d.annotations?.[REF_NAME] === ref);
  if (!chosen) {
    throw ref === undefined
      ? notChosen(ctx, `lists ${listed.length} manifests`, names, "add :REF to the folder")
      : notChosen(ctx, `has no manifest named ${ref}`, names, "name one of its refs");
  }
  const artifact = await load(dir, chosen, ctx, 0);
  const id = artifact.kind === "manifest" ? artifact.config.descriptor.digest : chosen.digest;
  return { id, artifact };
}

async function load(
  dir: string,
  descriptor: Descriptor,
  ctx: SourceContext,
  depth: number,
): Promise<Artifact> {
  const bytes = await readBlob(dir, descriptor, ctx);
  const doc = parseJson<ManifestDocument>(ctx, bytes, `manifest ${descriptor.digest}`);
  const mediaType = doc.mediaType ?? descriptor.mediaType;
  if (INDEX_MEDIA_TYPES.includes(mediaType)) {
    if (depth >= MAX_DEPTH || !Array.isArray(doc.manifests))
      throw corrupt(ctx, `index ${descriptor.digest} is not usable`, FIX);
    const children: Artifact[] = [];
    for (const child of doc.manifests) children.push(await load(dir, child, ctx, depth + 1));
    return { kind: "index", mediaType, bytes, digest: descriptor.digest, children };
  }
  if (mediaType !== MediaTypes.ociManifest && mediaType !== MediaTypes.dockerManifest) {
    throw corrupt(ctx, `manifest ${descriptor.digest} has the unsupported media type ${mediaType}`, FIX);
  }
  if (!doc.config || !Array.isArray(doc.layers))
    throw corrupt(ctx, `manifest ${descriptor.digest} has no config or layers`, FIX);
  const blob = async (d: Descriptor): Promise<StoredBlob> => {
    const file = blobPath(dir, d, ctx);
    // Foreign layers live elsewhere and are never uploaded; every other blob must be here, whole.
    if (!d.urls?.length) {
      const size = await stat(file).then(
        (s) => s.size,
        () => -1,
      );
      if (size !== d.size)
        throw corrupt(ctx, `blob ${d.digest} is ${size < 0 ? "missing" : "truncated"}`, FIX);
    }
    return { descriptor: d, open: () => createReadStream(file, { highWaterMark: 1024 * 1024 }) };
  };
  const layers: StoredBlob[] = [];
  for (const layer of doc.layers) layers.push(await blob(layer));
  return {
    kind: "manifest",
    mediaType,
    bytes,
    digest: descriptor.digest,
    config: await blob(doc.config),
    layers,
  };
}

/** Reads a small blob (a manifest) and checks it against its descriptor. */
async function readBlob(dir: string, d: Descriptor, ctx: SourceContext): Promise<Buffer> {
  const bytes = await readFile(blobPath(dir, d, ctx)).catch(() => undefined);
  if (!bytes) throw corrupt(ctx, `blob ${d.digest} is missing`, FIX);
  if (sha256(bytes) !== d.digest) throw corrupt(ctx, `blob ${d.digest} does not match its digest`, FIX);
  return bytes;
}

function blobPath(dir: string, d: Descriptor, ctx: SourceContext): string {
  const match = /^(sha256):([a-f0-9]{64})$/.exec(String(d?.digest));
  if (!match?.[1] || !match[2])
    throw corrupt(ctx, `a descriptor has the unsupported digest ${String(d?.digest)}`, FIX);
  return path.join(dir, "blobs", match[1], match[2]);
}
