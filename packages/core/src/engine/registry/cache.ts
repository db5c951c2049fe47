import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Descriptor, isSha256Digest } from "../../oci/index.js";

/** What one uncompressed layer became when it was last pushed to a registry. */
export interface CachedLayer {
  digest: string;
  size: number;
  mediaType: string;
  /** The repository it was pushed to or found in: a push to another one may mount it from there. */
  repository: string;
}

interface CacheFile {
  version: 1;
  layers: Record<string, CachedLayer & { at: number }>;
}

/** Entries kept per registry; the oldest go first. */
const MAX_ENTRIES = 4000;

/**
 * Which compressed blob each layer (by diff ID) became, per registry, kept between jobs in the
 * host's cache folder. Only ever a hint: every entry is confirmed with the registry before it is
 * used, and a missing, unreadable or corrupt file is an empty cache, never an error.
 */
export class LayerCache {
  readonly #entries: Map<string, CachedLayer>;
  readonly #learned = new Map<string, CachedLayer>();

  private constructor(
    readonly file: string | undefined,
    entries: Map<string, CachedLayer>,
    private readonly debug: (line: string) => void,
  ) {
    this.#entries = entries;
  }

  static async open(
    dir: string | undefined,
    registry: string,
    debug: (line: string) => void = () => {},
  ): Promise<LayerCache> {
    if (!dir) return new LayerCache(undefined, new Map(), debug);
    const file = path.join(dir, "layers-v1", `${registry.replace(/[^\w.-]/g, "_")}.json`);
    return new LayerCache(file, await readEntries(file, debug), debug);
  }

  get(diffId: string): CachedLayer | undefined {
    return this.#learned.get(diffId) ?? this.#entries.get(diffId);
  }

  remember(diffId: string, layer: Descriptor, repository: string): void {
    this.#learned.set(diffId, {
      digest: layer.digest,
      size: layer.size,
      mediaType: layer.mediaType,
      repository,
    });
  }

  /**
   * Merges what this push learned into the file: read again just before (another job may have
   * written meanwhile), written to a private name and renamed over it, so a reader never sees half
   * a file and two writers at worst lose each other's newest entries.
   */
  async save(): Promise<void> {
    if (!this.file || this.#learned.size === 0) return;
    const temporary = `${this.file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    try {
      const merged = await readEntries(this.file, this.debug);
      const now = Date.now();
      const stamped = new Map<string, CachedLayer & { at: number }>();
      for (const [diffId, layer] of merged)
        stamped.set(diffId, { ...layer, at: (layer as { at?: number }).at ?? 0 });
      for (const [diffId, layer] of this.#learned) {
        stamped.delete(diffId);
        stamped.set(diffId, { ...layer, at: now });
      }
      const newest = [...stamped].sort((a, b) => b[1].at - a[1].at).slice(0, MAX_ENTRIES);
      const doc: CacheFile = { version: 1, layers: Object.fromEntries(newest) };
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(temporary, JSON.stringify(doc), { mode: 0o600 });
      await rename(temporary, this.file);
      this.debug(`Layer cache ${this.file}: ${this.#learned.size} entries saved.`);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => {});
      this.debug(`Layer cache ${this.file} not saved: ${(error as Error).message}`);
    }
  }
}

async function readEntries(file: string, debug: (line: string) => void): Promise<Map<string, CachedLayer>> {
  const entries = new Map<string, CachedLayer>();
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return entries;
  }
  try {
    const doc = JSON.parse(text) as Partial<CacheFile>;
    if (doc.version !== 1 || typeof doc.layers !== "object" || doc.layers === null)
      throw new Error("unknown format");
    for (const [diffId, layer] of Object.entries(doc.layers)) {
      if (
        isSha256Digest(diffId) &&
        isSha256Digest(String(layer?.digest)) &&
        Number.isSafeInteger(layer?.size) &&
        typeof layer?.mediaType === "string" &&
        typeof layer?.repository === "string"
      )
        entries.set(diffId, layer);
    }
  } catch (error) {
    debug(`Layer cache ${file} ignored: ${(error as Error).message}`);
  }
  return entries;
}
