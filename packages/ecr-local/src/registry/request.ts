import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "../context.js";
import { ServiceError } from "../errors.js";
import type { RepositoryRecord } from "../store/store.js";

/** One request to a repository's part of the registry. */
export interface RegistryRequest {
  ctx: Context;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  repo: RepositoryRecord;
  /** `/v2/<name>`, the base of the Location headers. */
  base: string;
}

/** Handlers of one route, by HTTP method; `param` is the digest, reference or upload id in the path. */
export type Routes = Record<string, (r: RegistryRequest, param: string) => Promise<void>>;

export const API_VERSION = { "Docker-Distribution-API-Version": "registry/2.0" };

export const registryError = (code: string, message: string, status: number) =>
  new ServiceError(code, message, status);
