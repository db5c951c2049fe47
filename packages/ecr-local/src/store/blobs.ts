import { createHash, type Hash, randomUUID } from "node:crypto";
import {
  appendFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** The parts an upload through the ECR API (InitiateLayerUpload) has received so far. */
export interface LayerParts {
  count: number;
  /** The last part accepted: where it started, its length and its sha256 (to recognise a re-send). */
  last?: { firstByte: number; size: number; sha256: string };
}

/** An upload in progress: bytes land in a temporary file while their sha256 is computed on the way. */
export interface Upload {
  id: string;
  repository: string;
  file: string;
  size: number;
  hash: Hash;
  busy: boolean;
  /** Set for an upload the ECR API started: it takes layer parts, not `/v2/` PATCHes. */
  parts?: LayerParts;
}

/**
 * Content-addressed files under `<dataDir>/blobs/sha256/<hex>` (layers, configs and manifests,
 * shared by all repositories) and upload files under `<dataDir>/uploads/`.
 */
export class BlobFiles {
  private readonly blobDir: string;
  private readonly uploadDir: string;
  private readonly uploads = new Map<string, Upload>();

  constructor(dataDir: string) {
    this.blobDir = path.join(dataDir, "blobs", "sha256");
    this.uploadDir = path.join(dataDir, "uploads");
    mkdirSync(this.blobDir, { recursive: true });
    // Uploads do not survive a restart: clients start them again.
    rmSync(this.uploadDir, { recursive: true, force: true });
    mkdirSync(this.uploadDir, { recursive: true });
  }

  path(digest: string): string {
    return path.join(this.blobDir, digest.slice("sha256:".length));
  }

  exists(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number {
    return statSync(this.path(digest)).size;
  }

  read(digest: string): Buffer {
    return readFileSync(this.path(digest));
  }

  /** Stores small content (a manifest) and returns its digest. */
  write(bytes: Uint8Array): string {
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (!this.exists(digest)) {
      const temp = path.join(this.uploadDir, randomUUID());
      writeFileSync(temp, bytes);
      this.moveIntoPlace(temp, digest);
    }
    return digest;
  }

  /** Starts an upload; `layerParts` for one of the ECR API (InitiateLayerUpload). */
  startUpload(repository: string, layerParts = false): Upload {
    const id = randomUUID();
    const upload: Upload = {
      id,
      repository,
      file: path.join(this.uploadDir, id),
      size: 0,
      hash: createHash("sha256"),
      busy: false,
      ...(layerParts ? { parts: { count: 0 } } : {}),
    };
    writeFileSync(upload.file, "");
    this.uploads.set(id, upload);
    return upload;
  }

  upload(id: string): Upload | undefined {
    return this.uploads.get(id);
  }

  /** Streams `source` onto the end of the upload; on failure the upload is dropped (clients restart it). */
  async append(upload: Upload, source: NodeJS.ReadableStream): Promise<number> {
    upload.busy = true;
    let received = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        upload.hash.update(chunk);
        received += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, tap, createWriteStream(upload.file, { flags: "a" }));
      upload.size += received;
      return received;
    } catch (error) {
      this.cancel(upload);
      throw error;
    } finally {
      upload.busy = false;
    }
  }

  /** Adds bytes already in memory (a layer part) to the end of the upload; on failure the upload is dropped. */
  appendBytes(upload: Upload, bytes: Uint8Array): void {
    try {
      appendFileSync(upload.file, bytes);
    } catch (error) {
      this.cancel(upload);
      throw error;
    }
    upload.hash.update(bytes);
    upload.size += bytes.length;
  }

  /** Checks the digest and moves the upload into the blob store. Returns false on a digest mismatch. */
  finish(upload: Upload, digest: string): boolean {
    this.uploads.delete(upload.id);
    if (`sha256:${upload.hash.digest("hex")}` !== digest) {
      rmSync(upload.file, { force: true });
      return false;
    }
    this.moveIntoPlace(upload.file, digest);
    return true;
  }

  cancel(upload: Upload): void {
    this.uploads.delete(upload.id);
    rmSync(upload.file, { force: true });
  }

  cancelAll(): void {
    for (const upload of [...this.uploads.values()]) this.cancel(upload);
  }

  private moveIntoPlace(file: string, digest: string): void {
    try {
      renameSync(file, this.path(digest));
    } catch (error) {
      // Windows refuses to replace a file; the same content is already there.
      if (!this.exists(digest)) throw error;
      rmSync(file, { force: true });
    }
  }
}
