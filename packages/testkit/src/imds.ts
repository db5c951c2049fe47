import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeImds {
  /** Value for AWS_EC2_METADATA_SERVICE_ENDPOINT. */
  endpoint: string;
  /** Requests seen, as `METHOD path`. */
  requests: string[];
  close(): Promise<void>;
}

/** An IMDSv2 look-alike on loopback answering the session token and placement/region. */
export async function startFakeImds(region: string): Promise<FakeImds> {
  const token = randomUUID();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" }).end(token);
      return;
    }
    if (req.headers["x-aws-ec2-metadata-token"] !== token) {
      res.writeHead(401).end();
      return;
    }
    if (req.method === "GET" && req.url === "/latest/meta-data/placement/region") {
      res.writeHead(200, { "content-type": "text/plain" }).end(region);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
