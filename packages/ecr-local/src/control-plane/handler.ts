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

type Operation = (ctx: Context, input: Input, call: Call) => object;
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

/** The ECR API: AWS JSON 1.1 at `POST /`, the operation named by X-Amz-Target, SigV4 with service `ecr`. */
export async function handleControlPlane(
  ctx: Context,
  request: SignedRequest,
  res: ServerResponse,
): Promise<void> {
  const requestId = newRequestId();
  const target = String(request.headers["x-amz-target"] ?? "");
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  const call: RecordedCall = { service: "ecr", operation, status: 200 };
  const headers = { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId };
  try {
    const key = await authenticate(ctx, request, call, ctx.region);
    // As ECR answers a caller over its rate: HTTP 400 with ThrottlingException, which SDKs retry.
    if (ctx.throttle.remaining > 0) {
      ctx.throttle.remaining--;
      throw throttled();
    }
    if (!ctx.rateLimits.take(operation)) throw throttled();
    const op =
      target.startsWith(TARGET_PREFIX) && Object.hasOwn(operations, operation)
        ? operations[operation]
        : undefined;
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
