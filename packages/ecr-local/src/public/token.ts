import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "../context.js";
import { headerValue, send } from "../http.js";
import { publicChallenge } from "../registry/handler.js";

/** How long a registry Bearer token lasts; the client asks again after it. */
const BEARER_SECONDS = 300;

/**
 * ECR Public's token service (`GET /token/`): the GetAuthorizationToken password, sent with Basic
 * auth as user AWS, buys a Bearer token for the registry. What public.ecr.aws/token/ does for
 * `docker login public.ecr.aws` and every push.
 */
export function handlePublicToken(ctx: Context, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const auth = headerValue(req, "authorization") ?? "";
  if (!auth) {
    // No credentials: a token for pulls only, as public.ecr.aws gives anyone.
    const { password: token } = ctx.ecrPublic.pullTokens.issue(BEARER_SECONDS);
    send(
      res,
      200,
      { "Content-Type": "application/json" },
      JSON.stringify({ token, access_token: token, expires_in: BEARER_SECONDS }),
    );
    return;
  }
  const [scheme, encoded] = auth.split(" ");
  const decoded =
    scheme?.toLowerCase() === "basic" ? Buffer.from(encoded ?? "", "base64").toString("utf8") : "";
  const colon = decoded.indexOf(":");
  const state =
    colon > 0 && decoded.slice(0, colon) === "AWS"
      ? ctx.ecrPublic.passwords.check(decoded.slice(colon + 1))
      : "unknown";
  const headers = { "Content-Type": "application/json" };
  if (state !== "valid") {
    const expired = state === "expired";
    send(
      res,
      expired ? 403 : 401,
      expired ? headers : { ...headers, "WWW-Authenticate": publicChallenge(ctx) },
      JSON.stringify({
        errors: [
          expired
            ? {
                code: "DENIED",
                message: "Your authorization token has expired. Reauthenticate and try again.",
              }
            : { code: "UNAUTHORIZED", message: "authentication required" },
        ],
      }),
    );
    return;
  }
  const { password: token } = ctx.ecrPublic.bearerTokens.issue(BEARER_SECONDS);
  send(res, 200, headers, JSON.stringify({ token, access_token: token, expires_in: BEARER_SECONDS }));
}
