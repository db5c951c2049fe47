import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { relayTo } from "@ecr-push/testkit";

/** PEM files of a throwaway CA and a leaf for the address 127.0.0.1 signed by it. */
export interface TestCertificates {
  caFile: string;
  keyFile: string;
  certFile: string;
  /** A self-signed leaf (no CA), for the DEPTH_ZERO_SELF_SIGNED_CERT case. */
  selfSignedKeyFile: string;
  selfSignedCertFile: string;
}

/** Why the openssl CLI cannot run here, or undefined when it can. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "openssl is not on PATH (apt-get install openssl)";
  }
}

/** Makes the certificates with the openssl CLI (test code only: product code never shells out). */
export function makeTestCertificates(dir: string): TestCertificates {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...key,
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=ecr-push test CA",
  );
  openssl("req", ...key, "-keyout", file("leaf.key"), "-out", file("leaf.csr"), "-subj", "/CN=127.0.0.1");
  writeFileSync(file("leaf.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(
    "x509",
    "-req",
    "-in",
    file("leaf.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-out",
    file("leaf.pem"),
    "-days",
    "2",
    "-extfile",
    file("leaf.ext"),
  );
  openssl(
    "req",
    "-x509",
    ...key,
    "-keyout",
    file("self.key"),
    "-out",
    file("self.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  );
  return {
    caFile: file("ca.pem"),
    keyFile: file("leaf.key"),
    certFile: file("leaf.pem"),
    selfSignedKeyFile: file("self.key"),
    selfSignedCertFile: file("self.pem"),
  };
}

/** An HTTPS front on 127.0.0.1 that relays every request, headers untouched, to an http origin. */
export async function startTlsFront(
  origin: string,
  tls: { key: string; cert: string },
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = https.createServer(tls, relayTo(origin));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
