import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** Why the openssl CLI cannot run here, or undefined when it can. */
export function opensslCliMissing(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "openssl is not on PATH (apt-get install openssl)";
  }
}

/** A registry reachable under DNS names that do not resolve here (ECR's own hosts), through a proxy. */
export interface NamedRegistryProxy {
  /** For HTTPS_PROXY. */
  readonly proxyUrl: string;
  /** The throwaway CA the names' certificate is signed by, for AWS_CA_BUNDLE. */
  readonly caFile: string;
  /** Every CONNECT target asked for (`host:port`), in order. */
  readonly connects: readonly string[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy that answers CONNECT to any of `names` (port 443) by ending TLS itself, with a
 * certificate for those names signed by a throwaway CA, and relaying each request, headers
 * untouched, to the http `origin` (a local ECR endpoint): so a client given HTTPS_PROXY and the
 * CA reaches `https://NAME/v2/...` as if NAME were the registry. Other targets are refused (403).
 * The certificates are made with the openssl CLI (test code only: product code never shells out).
 */
export async function startNamedRegistryProxy(origin: string, names: string[]): Promise<NamedRegistryProxy> {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-named-registry-"));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    ...["req", "-x509", ...key, "-keyout", file("ca.key"), "-out", file("ca.pem")],
    ...["-days", "2", "-subj", "/CN=ecr-push test CA"],
  );
  openssl("req", ...key, "-keyout", file("leaf.key"), "-out", file("leaf.csr"), "-subj", `/CN=${names[0]}`);
  writeFileSync(file("leaf.ext"), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\n`);
  openssl(
    ...["x509", "-req", "-in", file("leaf.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key")],
    ...["-CAcreateserial", "-out", file("leaf.pem"), "-days", "2", "-extfile", file("leaf.ext")],
  );
  const front = https.createServer(
    { key: readFileSync(file("leaf.key")), cert: readFileSync(file("leaf.pem")) },
    relayTo(origin),
  );
  const connects: string[] = [];
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req, socket, head) => {
    const asked = req.url ?? "";
    connects.push(asked);
    const [host, port] = asked.split(":");
    if (!names.includes(host ?? "") || port !== "443") {
      socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    front.emit("connection", socket);
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  return {
    proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    caFile: file("ca.pem"),
    connects,
    close: async () => {
      proxy.closeAllConnections();
      front.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await new Promise((resolve) => front.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A request handler that relays every request, headers untouched, to an http origin (502 when it is down). */
export function relayTo(origin: string): http.RequestListener {
  const target = new URL(origin);
  return (req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  };
}
