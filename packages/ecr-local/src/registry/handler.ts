import type { IncomingMessage, ServerResponse } from "node:http";
import { type Context, countIn } from "../context.js";
import { toServiceError } from "../errors.js";
import { headerValue, send } from "../http.js";
import { publicContext } from "../public/state.js";
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

/**
 * The ECR operation each registry request is, as ECR counts them against its rate limits: a
 * manifest PUT is PutImage (docker push's "toomanyrequests: Rate exceeded" is PutImage's 10 per
 * second), a blob upload is InitiateLayerUpload, UploadLayerPart and CompleteLayerUpload, a blob
 * HEAD BatchCheckLayerAvailability. The two upload requests ECR's API has no counterpart of are
 * named for what they do.
 */
const OPERATIONS: Record<"start" | "upload" | "blob" | "manifest" | "tags", Record<string, string>> = {
  start: { POST: "InitiateLayerUpload" },
  upload: {
    PATCH: "UploadLayerPart",
    PUT: "CompleteLayerUpload",
    GET: "GetBlobUploadStatus",
    DELETE: "CancelBlobUpload",
  },
  blob: { HEAD: "BatchCheckLayerAvailability", GET: "GetDownloadUrlForLayer" },
  manifest: { PUT: "PutImage", GET: "BatchGetImage", HEAD: "BatchGetImage", DELETE: "BatchDeleteImage" },
  tags: { GET: "ListImages" },
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

/**
 * ECR Public's registry takes Bearer tokens only, from its token service (`/token/`, where the
 * GetAuthorizationToken password is sent with Basic auth), as public.ecr.aws does.
 */
function authorizePublic(ctx: Context, req: IncomingMessage): void {
  const auth = headerValue(req, "authorization") ?? "";
  const [scheme, token] = auth.split(" ");
  const bearer = scheme?.toLowerCase() === "bearer" ? (token ?? "") : "";
  // Anyone may pull from ECR Public: an anonymous token reads, and only reads.
  const reads = req.method === "GET" || req.method === "HEAD";
  if (bearer && reads && ctx.ecrPublic.pullTokens.check(bearer) === "valid") return;
  const state = bearer ? ctx.ecrPublic.bearerTokens.check(bearer) : "unknown";
  if (state === "expired")
    throw registryError("DENIED", "Your authorization token has expired. Reauthenticate and try again.", 403);
  if (state !== "valid") throw registryError("UNAUTHORIZED", "authentication required", 401);
}

/** The Bearer challenge of ECR Public's registry, naming its token service. */
export function publicChallenge(ctx: Context): string {
  return `Bearer realm="http://${ctx.ecrPublic.host}/token/",service="${ctx.ecrPublic.host}",scope="aws"`;
}

/**
 * The OCI distribution API under `/v2/`, with ECR's Basic authentication and repository rules; or,
 * for `public`, ECR Public's registry: Bearer tokens and repositories named `ALIAS/NAME`.
 */
export async function handleRegistry(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  plane: "private" | "public" = "private",
): Promise<void> {
  try {
    const url = new URL(req.url ?? "/", "http://registry.invalid");
    if (plane === "public") authorizePublic(ctx, req);
    else authorize(ctx, req);
    if (url.pathname === "/v2/" || url.pathname === "/v2") {
      send(res, 200, { ...API_VERSION, "Content-Type": "application/json" }, "{}");
      return;
    }
    const match = ROUTE.exec(url.pathname);
    if (!match) throw registryError("NOT_FOUND", "no such endpoint", 404);
    const [, name = "", uploadId, digest, reference, tags] = match;
    const [routes, param, kind] =
      uploadId !== undefined
        ? ([uploadRoutes(uploadId), uploadId, uploadId === "" ? "start" : "upload"] as const)
        : digest !== undefined
          ? ([blobRoutes, digest, "blob"] as const)
          : reference !== undefined
            ? ([manifestRoutes, reference, "manifest"] as const)
            : ([tagRoutes, tags ?? "", "tags"] as const);
    const method = req.method ?? "GET";
    const handler = routes[method];
    const operation = OPERATIONS[kind][method];
    if (!handler || !operation) throw registryError("UNSUPPORTED", `${method} is not supported here`, 405);
    countIn(ctx.stats.dataPlaneCalls, operation);
    if (!ctx.rateLimits.take(operation)) {
      countIn(ctx.stats.throttled, operation);
      throw registryError("TOOMANYREQUESTS", "Rate exceeded", 429);
    }
    if (plane === "public") {
      // ALIAS/NAME: the alias names this account's public registry; NAME is the repository.
      const prefix = `${ctx.ecrPublic.alias}/`;
      const own = ctx.ecrPublic.aliasAssigned && name.startsWith(prefix);
      const repo = own ? ctx.ecrPublic.store.find(name.slice(prefix.length)) : undefined;
      if (!repo)
        throw registryError(
          "NAME_UNKNOWN",
          `The repository with name '${name}' does not exist in the registry`,
          404,
        );
      await handler({ ctx: publicContext(ctx), req, res, url, repo, base: `/v2/${name}` }, param);
      return;
    }
    const repo = ctx.store.get(name);
    await handler({ ctx, req, res, url, repo, base: `/v2/${name}` }, param);
  } catch (error) {
    const failure = toServiceError(error, "UNKNOWN", ctx.log);
    const [code, status] = FROM_ECR[failure.code] ?? [failure.code, failure.status];
    const headers: Record<string, string> = { ...API_VERSION, "Content-Type": "application/json" };
    if (status === 401)
      headers["WWW-Authenticate"] =
        plane === "public"
          ? publicChallenge(ctx)
          : `Basic realm="${ctx.endpoint}/",service="ecr.amazonaws.com"`;
    // Drain what the client still sends so that keep-alive connections stay usable.
    req.resume();
    if (req.method === "HEAD") send(res, status, headers);
    else
      send(
        res,
        status,
        headers,
        JSON.stringify({
          // A throttled request is answered as ECR does, `{"code":"TOOMANYREQUESTS","message":"Rate exceeded"}`.
          errors: [{ code, message: failure.message, ...(status === 429 ? {} : { detail: {} }) }],
        }),
      );
  }
}
