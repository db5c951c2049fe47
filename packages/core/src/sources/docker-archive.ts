import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { MediaTypes, sha256, startsWithGzipMagic } from "../oci/index.js";
import { corrupt, notChosen, parseJson, type SourceContext, unreadable } from "./errors.js";
import { indexTar, resolveEntry, type TarEntry, TarFormatError } from "./tar.js";
import type { OpenedSource, RawLayer, StoredBlob } from "./types.js";

/** One image of `docker save`'s manifest.json. */
interface ArchiveImage {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * Opens what `docker save` writes: a tar with manifest.json, the image configs and uncompressed
 * layer tars. Layers are streamed from their place in the archive, never extracted. `image` picks
 * one by `name:tag` when the archive holds several.
 */
export async function openDockerArchive(
  file: string,
  image: string | undefined,
  ctx: SourceContext,
): Promise<OpenedSource> {
  let handle: FileHandle;
  try {
    if ((await stat(file)).isDirectory()) {
      throw Object.assign(new Error("is a folder"), { code: "a folder; use oci:DIR for an OCI layout" });
    }
    handle = await open(file, "r");
  } catch (error) {
    throw unreadable(ctx, error);
  }
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    if (startsWithGzipMagic(head)) {
      throw corrupt(
        ctx,
        "it is compressed",
        "decompress it first (gunzip) or push the file docker save wrote",
      );
    }
    let entries: Map<string, TarEntry>;
    try {
      entries = await indexTar(handle);
    } catch (error) {
      if (!(error instanceof TarFormatError)) throw unreadable(ctx, error);
      throw corrupt(ctx, error.message, "write it again with docker save", error);
    }
    const member = async (name: string, what: string) => {
      const entry = resolveEntry(entries, name);
      if (!entry) throw corrupt(ctx, `${what} ${name} is missing`, "write it again with docker save");
      return entry;
    };
    const readMember = async (entry: TarEntry, what: string) => {
      if (entry.size > MAX_JSON_BYTES)
        throw corrupt(ctx, `${what} is too large`, "write it again with docker save");
      const bytes = Buffer.alloc(entry.size);
      await handle.read(bytes, 0, entry.size, entry.offset);
      return bytes;
    };
    const manifest = parseJson<ArchiveImage[]>(
      ctx,
      await readMember(await member("manifest.json", "the member"), "manifest.json"),
      "manifest.json",
    );
    if (!Array.isArray(manifest) || manifest.length === 0) {
      throw corrupt(ctx, "manifest.json lists no image", "write it again with docker save");
    }
    const chosen = chooseImage(manifest, image, ctx);
    const configBytes = await readMember(await member(chosen.Config, "the image config"), "the image config");
    const config = parseJson<{ rootfs?: { diff_ids?: string[] } }>(ctx, configBytes, "the image config");
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (!Array.isArray(chosen.Layers) || diffIds.length !== chosen.Layers.length) {
      throw corrupt(ctx, "its layers do not match the image config", "write it again with docker save");
    }
    const layers: (StoredBlob | RawLayer)[] = [];
    for (const [i, name] of chosen.Layers.entries()) {
      const entry = await member(name, "the layer");
      layers.push(await layerOf(file, handle, entry, diffIds[i] ?? ""));
    }
    const configDigest = sha256(configBytes);
    return {
      id: configDigest,
      artifact: {
        kind: "layers",
        config: {
          descriptor: { mediaType: MediaTypes.dockerConfig, digest: configDigest, size: configBytes.length },
          open: () => Readable.from([configBytes]),
        },
        layers,
      },
    };
  } finally {
    await handle.close();
  }
}

function chooseImage(images: ArchiveImage[], wanted: string | undefined, ctx: SourceContext): ArchiveImage {
  const tagsOf = (image: ArchiveImage) => (image.RepoTags ?? []).map(canonicalTag);
  const all = images.flatMap(tagsOf);
  if (wanted === undefined) {
    if (images.length === 1 && images[0]) return images[0];
    throw notChosen(ctx, `holds ${images.length} images`, all, "add :name:tag to the path");
  }
  const found = images.find((image) => tagsOf(image).includes(canonicalTag(wanted)));
  if (!found) throw notChosen(ctx, `has no image ${wanted}`, all, "name one of its images");
  return found;
}

/** `web`, `docker.io/library/web:latest` and `web:latest` all name the same image. */
function canonicalTag(reference: string): string {
  const bare = reference.replace(/^(?:docker\.io|index\.docker\.io)\/(?:library\/)?/, "");
  return /:[\w][\w.-]*$/.test(bare.slice(bare.lastIndexOf("/") + 1)) ? bare : `${bare}:latest`;
}

/** An uncompressed layer is compressed on the way; one already gzipped is sent as it is. */
async function layerOf(file: string, handle: FileHandle, entry: TarEntry, diffId: string) {
  const open = () =>
    createReadStream(file, {
      start: entry.offset,
      end: entry.offset + entry.size - 1,
      highWaterMark: 1024 * 1024,
    });
  const head = Buffer.alloc(2);
  if (entry.size >= 2) await handle.read(head, 0, 2, entry.offset);
  if (!startsWithGzipMagic(head)) {
    return { diffId, size: entry.size, open } satisfies RawLayer;
  }
  const hash = createHash("sha256");
  for await (const chunk of open()) hash.update(chunk as Buffer);
  const digest = `sha256:${hash.digest("hex")}`;
  return {
    descriptor: { mediaType: MediaTypes.dockerLayerGzip, digest, size: entry.size },
    open,
  } satisfies StoredBlob;
}
