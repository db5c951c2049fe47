import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { text } from "node:stream/consumers";
import { afterEach, describe, expect, it } from "vitest";
import { RegistryClient } from "../../../src/registry/index.js";

const DIGEST = `sha256:${"e".repeat(64)}`;
const servers: Server[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe("RegistryClient.openBlob", () => {
  it("follows a redirect to storage without sending the registry's credentials there", async () => {
    const seen: IncomingHttpHeaders[] = [];
    // "localhost" is another host than 127.0.0.1 for the client, as S3 is for ECR.
    const storage = await serve((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { "Content-Length": "5" });
      res.end("bytes");
    });
    const registry = await serve((req, res) => {
      seen.push(req.headers);
      res.writeHead(307, { Location: `http://${storage.replace("127.0.0.1", "localhost")}/presigned?sig=1` });
      res.end();
    });
    const client = new RegistryClient({ registry, username: "AWS", password: "s3cret", attempts: 1 });
    try {
      const opened = await client.openBlob("team/web", DIGEST);
      expect(opened.size).toBe(5);
      expect(await text(opened.stream)).toBe("bytes");
      expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from("AWS:s3cret").toString("base64")}`);
      expect(seen[1]?.authorization).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it("reports a missing blob as the registry's error, in one sentence", async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry" }] }));
    });
    const client = new RegistryClient({ registry, username: "AWS", password: "x", attempts: 1 });
    try {
      await expect(client.openBlob("team/web", DIGEST)).rejects.toThrow(
        /^The registry 127\.0\.0\.1:\d+ (rejected the data|failed) while reading blob sha256:e+ \(blob unknown to registry\)/,
      );
    } finally {
      client.close();
    }
  });
});
