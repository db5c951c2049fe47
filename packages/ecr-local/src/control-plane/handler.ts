import type { ServerResponse } from "node:http";
import { authenticate, type Context, countIn, newRequestId, type RecordedCall } from "../context.js";
import { ServiceError, throttled, toServiceError } from "../errors.js";
import { send } from "../http.js";
import type { SignedRequest } from "../sigv4/verify.js";
import { imageOperations } from "./images.js";
import type { Call, Input } from "./input.js";
import { layerOperations } from "./layers.js";
import { repositoryOperations } from "./repositories.js";

const TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921.";

export type Operation = (ctx: Context, input: Input, call: Call) => object;
const operations: Record<string, Operation> = {
  ...repositoryOperations,
  ...imageOperations,
  ...layerOperations,
};

function parseInput(body: Uint8Array): Input {
  try {
    const input: unknown = body.length === 0 ? {} : JSON.parse(Buffer.from(body).toString("utf8"));
    if (input && typeof input === "object" && !Array.isArray(input)) return input as Input;
  } catch {
    // answered below
  }
  throw new ServiceError("SerializationException", "The request body is not a JSON object.");
}

/** One AWS JSON 1.1 API served at `POST /`: ECR's, or ECR Public's beside it. */
export interface JsonApi {
  /** The SigV4 service name, as recorded calls show it. */
  service: RecordedCall["service"];
  /** What X-Amz-Target starts with before the operation's name. */
  targetPrefix: string;
  /** The region requests are signed for. */
  region(ctx: Context): string;
  operations: Record<string, Operation>;
  /** Whether LocalEcrOptions.rateLimits (keyed by ECR's operation names) apply. */
  rateLimited: boolean;
}

/**
 * Answers one signed call of `api` as AWS does: the operation named by X-Amz-Target, HTTP 400 with
 * the error's `__type` on failure (ThrottlingException, which SDKs retry, over a rate), every call
 * recorded.
 */
export async function serveJsonApi(
  ctx: Context,
  api: JsonApi,
  request: SignedRequest,
  res: ServerResponse,
): Promise<void> {
  const requestId = newRequestId();
  const target = String(request.headers["x-amz-target"] ?? "");
  const known = target.startsWith(api.targetPrefix);
  const operation = known ? target.slice(api.targetPrefix.length) : target;
  const call: RecordedCall = { service: api.service, operation, status: 200 };
  const headers = { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId };
  try {
    const key = await authenticate(ctx, request, call, api.region(ctx));
    if (ctx.throttle.remaining > 0) {
      ctx.throttle.remaining--;
      throw throttled();
    }
    if (api.rateLimited && !ctx.rateLimits.take(operation)) throw throttled();
    const op = known && Object.hasOwn(api.operations, operation) ? api.operations[operation] : undefined;
    if (!op)
      throw new ServiceError("UnknownOperationException", `The operation '${target}' is not supported.`);
    const result = op(ctx, parseInput(request.body), { operation, principalArn: key.principalArn });
    send(res, 200, headers, JSON.stringify(result));
  } catch (error) {
    const failure = toServiceError(error, "ServerException", ctx.log);
    call.status = failure.status;
    call.errorCode = failure.code;
    if (failure.code === "ThrottlingException") countIn(ctx.stats.throttled, operation);
    send(
      res,
      failure.status,
      { ...headers, "x-amzn-ErrorType": failure.code },
      JSON.stringify({ ...failure.fields, __type: failure.code, message: failure.message }),
    );
  } finally {
    ctx.calls.push(call);
  }
}

const ECR_API: JsonApi = {
  service: "ecr",
  targetPrefix: TARGET_PREFIX,
  region: (ctx) => ctx.region,
  operations,
  rateLimited: true,
};

/** The ECR API: AWS JSON 1.1 at `POST /`, the operation named by X-Amz-Target, SigV4 with service `ecr`. */
export function handleControlPlane(ctx: Context, request: SignedRequest, res: ServerResponse): Promise<void> {
  return serveJsonApi(ctx, ECR_API, request, res);
}
