import { headerValue, readBody, send } from "../http.js";
import { isDigest, isTag } from "../validation.js";
import { API_VERSION, type RegistryRequest, type Routes, registryError } from "./request.js";

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const referenceOf = (reference: string) => {
  if (isDigest(reference)) return { imageDigest: reference };
  if (isTag(reference)) return { imageTag: reference };
  throw registryError("TAG_INVALID", `'${reference}' is neither a valid tag nor a sha256 digest`, 400);
};

async function putManifest({ ctx, req, res, repo, base }: RegistryRequest, reference: string): Promise<void> {
  const ref = referenceOf(reference);
  const bytes = await readBody(req, MAX_MANIFEST_BYTES);
  const contentType = headerValue(req, "content-type")?.split(";")[0]?.trim();
  const { image } = ctx.store.putImage(repo, bytes, {
    mediaType: contentType || undefined,
    tag: ref.imageTag,
    digest: ref.imageDigest,
  });
  ctx.stats.manifestsPut++;
  send(
    res,
    201,
    { ...API_VERSION, Location: `${base}/manifests/${image.digest}`, "Docker-Content-Digest": image.digest },
    "",
  );
}

async function getManifest({ ctx, req, res, repo }: RegistryRequest, reference: string): Promise<void> {
  const image = ctx.store.resolve(repo, referenceOf(reference));
  // An archived image (or one being restored) cannot be pulled: ECR answers 404.
  if (!image || ctx.store.statusOf(image) !== "ACTIVE")
    throw registryError(
      "MANIFEST_UNKNOWN",
      `manifest ${reference} is unknown to repository ${repo.name}`,
      404,
    );
  const bytes = ctx.store.readManifest(image);
  const headers = {
    ...API_VERSION,
    "Content-Type": image.mediaType,
    "Docker-Content-Digest": image.digest,
    ETag: `"${image.digest}"`,
  };
  if (req.method === "HEAD") send(res, 200, { ...headers, "Content-Length": bytes.length });
  else send(res, 200, headers, bytes);
}

async function deleteManifest({ ctx, res, repo }: RegistryRequest, reference: string): Promise<void> {
  if (!ctx.store.deleteImage(repo, referenceOf(reference))) {
    throw registryError(
      "MANIFEST_UNKNOWN",
      `manifest ${reference} is unknown to repository ${repo.name}`,
      404,
    );
  }
  send(res, 202, { ...API_VERSION }, "");
}

export const manifestRoutes: Routes = {
  PUT: putManifest,
  GET: getManifest,
  HEAD: getManifest,
  DELETE: deleteManifest,
};

async function listTags({ res, url, repo }: RegistryRequest): Promise<void> {
  let tags = Object.keys(repo.imageTags).sort();
  const last = url.searchParams.get("last");
  if (last) tags = tags.filter((tag) => tag > last);
  const n = Number(url.searchParams.get("n") ?? Number.NaN);
  const headers: Record<string, string> = { ...API_VERSION, "Content-Type": "application/json" };
  if (Number.isInteger(n) && n >= 0 && tags.length > n) {
    tags = tags.slice(0, n);
    headers.Link = `</v2/${repo.name}/tags/list?n=${n}&last=${encodeURIComponent(tags.at(-1) ?? "")}>; rel="next"`;
  }
  send(res, 200, headers, JSON.stringify({ name: repo.name, tags }));
}

export const tagRoutes: Routes = { GET: listTags };
