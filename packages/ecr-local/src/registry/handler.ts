import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "../context.js";
import { toServiceError } from "../errors.js";
import { headerValue, send } from "../http.js";
import { blobRoutes, uploadRoutes } from "./blobs.js";
import { manifestRoutes, tagRoutes } from "./manifests.js";
import { API_VERSION, registryError } from "./request.js";

// The store speaks ECR; the registry answers in distribution error codes.
const FROM_ECR: Record<string, [code: string, status: number]> = {
  RepositoryNotFoundException: ["NAME_UNKNOWN", 404],
  LayersNotFoundException: ["MANIFEST_BLOB_UNKNOWN", 400],
  ReferencedImagesNotFoundException: ["MANIFEST_BLOB_UNKNOWN", 400],
  ImageTagAlreadyExistsException: ["TAG_INVALID", 400],
  ImageDigestDoesNotMatchException: ["DIGEST_INVALID", 400],
  InvalidParameterException: ["MANIFEST_INVALID", 400],
  RequestEntityTooLarge: ["SIZE_INVALID", 413],
};

const ROUTE =
  /^\/v2\/(.+?)\/(?:blobs\/uploads\/?([^/]*)|blobs\/(sha256:[^/]*|[^/]+)|manifests\/([^/]+)|tags\/(list))$/;

function authorize(ctx: Context, req: IncomingMessage): void {
  const auth = headerValue(req, "authorization") ?? "";
  const [scheme, encoded] = auth.split(" ");
  const decoded =
    scheme?.toLowerCase() === "basic" ? Buffer.from(encoded ?? "", "base64").toString("utf8") : "";
  const colon = decoded.indexOf(":");
  const state =
    colon > 0 && decoded.slice(0, colon) === "AWS"
      ? ctx.passwords.check(decoded.slice(colon + 1))
      : "unknown";
  if (state === "expired") {
    throw registryError("DENIED", "Your authorization token has expired. Reauthenticate and try again.", 403);
  }
  if (state !== "valid") throw registryError("UNAUTHORIZED", "authentication required", 401);
}

/** The OCI distribution API under `/v2/`, with ECR's Basic authentication and repository rules. */
export async function handleRegistry(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? "/", "http://registry.invalid");
    authorize(ctx, req);
    if (url.pathname === "/v2/" || url.pathname === "/v2") {
      send(res, 200, { ...API_VERSION, "Content-Type": "application/json" }, "{}");
      return;
    }
    const match = ROUTE.exec(url.pathname);
    if (!match) throw registryError("NOT_FOUND", "no such endpoint", 404);
    const [, name = "", uploadId, digest, reference, tags] = match;
    const [routes, param] =
      uploadId !== undefined
        ? [uploadRoutes(uploadId), uploadId]
        : digest !== undefined
          ? [blobRoutes, digest]
          : reference !== undefined
            ? [manifestRoutes, reference]
            : [tagRoutes, tags ?? ""];
    const handler = routes[req.method ?? "GET"];
    if (!handler) throw registryError("UNSUPPORTED", `${req.method} is not supported here`, 405);
    const repo = ctx.store.get(name);
    await handler({ ctx, req, res, url, repo, base: `/v2/${name}` }, param);
  } catch (error) {
    const failure = toServiceError(error, "UNKNOWN", ctx.log);
    const [code, status] = FROM_ECR[failure.code] ?? [failure.code, failure.status];
    const headers: Record<string, string> = { ...API_VERSION, "Content-Type": "application/json" };
    if (status === 401)
      headers["WWW-Authenticate"] = `Basic realm="${ctx.endpoint}/",service="ecr.amazonaws.com"`;
    // Drain what the client still sends so that keep-alive connections stay usable.
    req.resume();
    if (req.method === "HEAD") send(res, status, headers);
    else
      send(
        res,
        status,
        headers,
        JSON.stringify({ errors: [{ code, message: failure.message, detail: {} }] }),
      );
  }
}
