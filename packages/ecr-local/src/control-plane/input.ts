import type { Context } from "../context.js";
import { invalidParameter, ServiceError } from "../errors.js";
import type { RepositoryRecord } from "../store/store.js";
import { isAccountId, isRepositoryName } from "../validation.js";

export type Input = Record<string, unknown>;

/** The operation being served and who signed it, for messages such as AccessDenied. */
export interface Call {
  operation: string;
  principalArn: string;
}

const constraint = (key: string, what: string) =>
  invalidParameter(`Invalid parameter at '${key}' failed to satisfy constraint: '${what}'`);

export function optionalString(input: Input, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw constraint(key, "must be a string");
  return value;
}

export function requiredString(input: Input, key: string): string {
  const value = optionalString(input, key);
  if (value === undefined) throw constraint(key, "must not be null");
  return value;
}

/** A whole number of at least `min` (a Long of the API, such as partFirstByte). */
export function requiredInteger(input: Input, key: string, min = 0): number {
  const value = input[key];
  if (value === undefined || value === null) throw constraint(key, "must not be null");
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw constraint(key, `must be an integer greater than or equal to ${min}`);
  }
  return value;
}

export function optionalList<T>(input: Input, key: string, max = 1000): T[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > max)
    throw constraint(key, `must be a list of at most ${max} items`);
  return value as T[];
}

export function requiredList<T>(input: Input, key: string, max = 100): T[] {
  const value = optionalList<T>(input, key, max);
  if (!value || value.length === 0) throw constraint(key, "must have at least 1 item");
  return value;
}

export function optionalObject(input: Input, key: string): Input {
  const value = input[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw constraint(key, "must be an object");
  return value as Input;
}

/**
 * A registryId other than the endpoint's account is another account's registry: without a
 * repository policy there, AWS answers AccessDenied naming the action.
 */
export function checkRegistryId(ctx: Context, input: Input, call: Call, repositoryName = "*"): void {
  const registryId = optionalString(input, "registryId");
  if (registryId === undefined || registryId === ctx.accountId) return;
  if (!isAccountId(registryId)) throw constraint("registryId", "must satisfy regular expression '[0-9]{12}'");
  const action = `ecr:${call.operation}`;
  throw new ServiceError(
    "AccessDeniedException",
    `User: ${call.principalArn} is not authorized to perform: ${action} on resource: arn:aws:ecr:${ctx.region}:${registryId}:repository/${repositoryName} because no resource-based policy allows the ${action} action`,
  );
}

export function repositoryName(input: Input): string {
  const name = requiredString(input, "repositoryName");
  if (!isRepositoryName(name)) {
    throw constraint(
      "repositoryName",
      "must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*' and be 2 to 256 characters",
    );
  }
  return name;
}

/** The repository an image operation names, after the registry check. */
export function repositoryOf(ctx: Context, input: Input, call: Call): RepositoryRecord {
  const name = repositoryName(input);
  checkRegistryId(ctx, input, call, name);
  return ctx.store.get(name);
}

/** Offset-based pages with an opaque nextToken, as the List/Describe operations page. */
export function paginate<T>(items: T[], input: Input): { page: T[]; nextToken?: string } {
  const maxResults = input.maxResults ?? 1000;
  if (
    typeof maxResults !== "number" ||
    !Number.isInteger(maxResults) ||
    maxResults < 1 ||
    maxResults > 1000
  ) {
    throw constraint("maxResults", "must be an integer from 1 to 1000");
  }
  const token = optionalString(input, "nextToken");
  const start = token === undefined ? 0 : Number(Buffer.from(token, "base64url").toString("utf8"));
  if (!Number.isInteger(start) || start < 0)
    throw invalidParameter("Invalid parameter at 'nextToken': invalid token");
  const end = start + maxResults;
  return {
    page: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString("base64url") } : {}),
  };
}

export const epochSeconds = (ms: number): number => ms / 1000;
