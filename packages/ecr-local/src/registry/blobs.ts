import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { send } from "../http.js";
import type { Upload } from "../store/blobs.js";
import { isDigest } from "../validation.js";
import { API_VERSION, type RegistryRequest, type Routes, registryError } from "./request.js";

async function serveBlob({ ctx, req, res, repo }: RegistryRequest, digest: string): Promise<void> {
  if (!isDigest(digest) || !(digest in repo.blobs) || !ctx.store.blobs.exists(digest)) {
    throw registryError("BLOB_UNKNOWN", `blob ${digest} is unknown to repository ${repo.name}`, 404);
  }
  const size = ctx.store.blobs.size(digest);
  res.writeHead(200, {
    ...API_VERSION,
    "Content-Type": "application/octet-stream",
    "Content-Length": size,
    "Docker-Content-Digest": digest,
    ETag: `"${digest}"`,
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  ctx.stats.blobBytesSent += size;
  await pipeline(createReadStream(ctx.store.blobs.path(digest)), res);
}

export const blobRoutes: Routes = { HEAD: serveBlob, GET: serveBlob };

const range = (upload: Upload) => `0-${Math.max(0, upload.size - 1)}`;

function uploadAccepted({ res, base }: RegistryRequest, upload: Upload, status: 202 | 204): void {
  send(
    res,
    status,
    {
      ...API_VERSION,
      Location: `${base}/blobs/uploads/${upload.id}`,
      Range: range(upload),
      "Docker-Upload-UUID": upload.id,
    },
    status === 202 ? "" : undefined,
  );
}

async function append(r: RegistryRequest, upload: Upload): Promise<void> {
  // Read the count first: `stats.x += await ...` would add to a stale total when uploads overlap.
  const received = await r.ctx.store.blobs.append(upload, r.req);
  r.ctx.stats.blobBytesReceived += received;
}

/** Completes an upload: the optional final body, then the digest check and the move into the store. */
async function complete(r: RegistryRequest, upload: Upload, digest: string | null): Promise<void> {
  const { ctx, res, repo, base } = r;
  if (!isDigest(digest)) {
    ctx.store.blobs.cancel(upload);
    throw registryError("DIGEST_INVALID", `digest '${digest ?? ""}' is not a sha256 digest`, 400);
  }
  await append(r, upload);
  const size = upload.size;
  if (!ctx.store.blobs.finish(upload, digest)) {
    throw registryError(
      "DIGEST_INVALID",
      `provided digest ${digest} does not match the uploaded content`,
      400,
    );
  }
  ctx.store.addBlob(repo, digest, size);
  ctx.stats.blobsUploaded++;
  send(
    res,
    201,
    { ...API_VERSION, Location: `${base}/blobs/${digest}`, "Docker-Content-Digest": digest },
    "",
  );
}

/**
 * `?mount=DIGEST&from=REPO` mounts the blob when the registry's BLOB_MOUNTING setting is ENABLED,
 * the other repository holds it and both repositories are encrypted alike (201, no bytes sent);
 * otherwise, as with ECR's default, it starts an ordinary upload (202).
 */
async function startUpload(r: RegistryRequest): Promise<void> {
  const { ctx, repo } = r;
  const mount = r.url.searchParams.get("mount");
  const from = ctx.store.find(r.url.searchParams.get("from") ?? "");
  if (
    mount &&
    from &&
    ctx.accountSettings.BLOB_MOUNTING === "ENABLED" &&
    mount in from.blobs &&
    ctx.store.blobs.exists(mount) &&
    from.encryptionType === repo.encryptionType &&
    from.kmsKey === repo.kmsKey
  ) {
    r.req.resume();
    ctx.store.addBlob(repo, mount, ctx.store.blobs.size(mount));
    ctx.stats.blobsMounted++;
    send(
      r.res,
      201,
      { ...API_VERSION, Location: `${r.base}/blobs/${mount}`, "Docker-Content-Digest": mount },
      "",
    );
    return;
  }
  const upload = r.ctx.store.blobs.startUpload(r.repo.name);
  const digest = r.url.searchParams.get("digest");
  if (digest !== null) return complete(r, upload, digest);
  r.req.resume();
  uploadAccepted(r, upload, 202);
}

function uploadOf({ ctx, repo }: RegistryRequest, id: string): Upload {
  const upload = ctx.store.blobs.upload(id);
  // Uploads the ECR API started (InitiateLayerUpload) take layer parts only.
  if (!upload || upload.parts || upload.repository !== repo.name) {
    throw registryError("BLOB_UPLOAD_UNKNOWN", `blob upload ${id} is unknown`, 404);
  }
  if (upload.busy)
    throw registryError("BLOB_UPLOAD_INVALID", `blob upload ${id} is receiving data already`, 416);
  return upload;
}

async function patchUpload(r: RegistryRequest, id: string): Promise<void> {
  const upload = uploadOf(r, id);
  const contentRange = r.req.headers["content-range"];
  if (contentRange && Number(/^(?:bytes )?(\d+)-/.exec(contentRange)?.[1]) !== upload.size) {
    r.res.setHeader("Range", range(upload));
    throw registryError("BLOB_UPLOAD_INVALID", `Content-Range must start at ${upload.size}`, 416);
  }
  await append(r, upload);
  uploadAccepted(r, upload, 202);
}

async function putUpload(r: RegistryRequest, id: string): Promise<void> {
  await complete(r, uploadOf(r, id), r.url.searchParams.get("digest"));
}

async function uploadStatus(r: RegistryRequest, id: string): Promise<void> {
  uploadAccepted(r, uploadOf(r, id), 204);
}

async function deleteUpload(r: RegistryRequest, id: string): Promise<void> {
  r.ctx.store.blobs.cancel(uploadOf(r, id));
  send(r.res, 204, { ...API_VERSION });
}

export function uploadRoutes(id: string): Routes {
  return id === ""
    ? { POST: startUpload }
    : { PATCH: patchUpload, PUT: putUpload, GET: uploadStatus, DELETE: deleteUpload };
}
