/**
 * An error meant for the client: its service code, message and HTTP status. Anything else thrown
 * while handling a request is a server fault, answered as a 500 without internal details.
 */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Members of the error shape besides the message (InvalidLayerPartException's lastValidByteReceived...). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** What ECR answers a caller over an operation's rate (SDKs retry it with back-off). */
export const throttled = (): ServiceError => new ServiceError("ThrottlingException", "Rate exceeded");

export function invalidParameter(message: string): ServiceError {
  return new ServiceError("InvalidParameterException", message);
}

/** The client's view of any error: a ServiceError as is, anything else as a logged 500 without details. */
export function toServiceError(
  error: unknown,
  faultCode: string,
  log: (message: string) => void,
): ServiceError {
  if (error instanceof ServiceError) return error;
  log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new ServiceError(faultCode, "An internal error occurred in the local ECR endpoint.", 500);
}
