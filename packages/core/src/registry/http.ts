import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createRoutingAgents, type NetEnv, type RoutingAgents } from "../net/index.js";

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequest {
  method: "GET" | "HEAD" | "POST" | "PATCH" | "PUT" | "DELETE";
  url: URL;
  headers?: Record<string, string>;
  /** A small body in memory, or a stream piped with backpressure (never buffered). */
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

/** Responses this large or larger are cut: registries answer with small JSON documents. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** A connection silent this long is dead (a blob upload keeps it busy the whole time). */
export const IDLE_TIMEOUT_MS = 120_000;

/**
 * Keep-alive agents shared by one client, so HEADs and uploads reuse connections. They take the
 * same route as the AWS SDK's (net/): HTTP_PROXY for http: registries, HTTPS_PROXY for https:
 * ones, none for a host in NO_PROXY; and they trust AWS_CA_BUNDLE when it is set.
 */
export function createAgents(maxSockets: number, env: NetEnv = {}): Agents {
  return createRoutingAgents(env, { maxSockets });
}
export type Agents = RoutingAgents;

/** One HTTP exchange on node:http(s). Rejects only for transport failures, never for a status. */
export function send(agents: Agents, request: HttpRequest): Promise<HttpResponse> {
  const { url, body, signal } = request;
  const secure = url.protocol === "https:";
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      {
        method: request.method,
        headers: request.headers,
        agent: agents[secure ? "https:" : "http:"],
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(IDLE_TIMEOUT_MS, () =>
      req.destroy(Object.assign(new Error("the connection timed out"), { code: "ETIMEDOUT" })),
    );
    // When the body fails, the request dies of it ("socket hang up" on its side): the body's own
    // error is the cause to report, and unlike a hang-up it is not worth another attempt.
    let bodyError: unknown;
    req.on("error", (error) => reject(bodyError ?? error));
    if (body === undefined || Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    // A failing source (an unreadable file) fails the request; a registry that answers early
    // (an error status) wins over the broken pipe that follows.
    body.once("error", (error) => {
      bodyError = error;
    });
    pipeline(body, req).catch((error: unknown) => {
      body.destroy();
      req.destroy(error as Error);
    });
  });
}
