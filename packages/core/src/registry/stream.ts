import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { statusError } from "./errors.js";
import { type Agents, IDLE_TIMEOUT_MS } from "./http.js";

/** How many redirects a blob GET follows (registries send blob reads to storage once). */
const MAX_REDIRECTS = 5;

/**
 * A GET whose 200 body is handed over unread, for piping straight into an upload. Redirects (ECR
 * and most registries send blob reads to storage with pre-signed URLs) are followed, and the
 * registry's credentials go only to the registry's own host. Any other status is read (it is a
 * small error document) and rejected as statusError words it for every other request.
 */
export async function openStream(
  agents: Agents,
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const sameHost = current.host === url.host;
    const response = await get(agents, current, sameHost ? headers : {}, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location && hop < MAX_REDIRECTS) {
      response.resume();
      current = new URL(location, current);
      continue;
    }
    if (status === 200) return response;
    throw statusError({ status, headers: response.headers, body: await readSmall(response) });
  }
}

function get(
  agents: Agents,
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const secure = url.protocol === "https:";
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, {
      method: "GET",
      headers,
      agent: agents[secure ? "https:" : "http:"],
      signal,
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () =>
      req.destroy(Object.assign(new Error("the connection timed out"), { code: "ETIMEDOUT" })),
    );
    req.on("response", resolve);
    req.on("error", reject);
    req.end();
  });
}

/** An error answer's body: a small JSON document, cut at 64 KiB. */
async function readSmall(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= 64 * 1024) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
