import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { realPartAvailable } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registryFailure } from "../../../src/registry/errors.js";
import { type Agents, createAgents, send } from "../../../src/registry/http.js";

// openssl makes the certificates: test code only, product code never shells out.
function opensslMissing(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "openssl is not on PATH (apt-get install openssl)";
  }
}
const hasOpenssl = realPartAvailable("The openssl CLI", opensslMissing());

describe.runIf(hasOpenssl)("the registry connection over TLS (an https server on 127.0.0.1)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-tls-"));
  const file = (name: string) => path.join(dir, name);
  const servers: https.Server[] = [];
  const agents: Agents[] = [];
  let signed = "";
  let selfSigned = "";

  async function serve(key: string, cert: string): Promise<string> {
    const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) =>
      res.end("{}"),
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/v2/`;
  }

  beforeAll(async () => {
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
    const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"];
    openssl(
      "req",
      "-x509",
      ...key,
      "-keyout",
      file("ca.key"),
      "-out",
      file("ca.pem"),
      "-subj",
      "/CN=test CA",
    );
    openssl("req", ...key, "-keyout", file("leaf.key"), "-out", file("leaf.csr"), "-subj", "/CN=127.0.0.1");
    writeFileSync(file("ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(
      ...["x509", "-req", "-in", file("leaf.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key")],
      ...["-CAcreateserial", "-out", file("leaf.pem"), "-days", "2", "-extfile", file("ext")],
    );
    openssl(
      ...["req", "-x509", ...key, "-keyout", file("self.key"), "-out", file("self.pem")],
      ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    );
    signed = await serve(file("leaf.key"), file("leaf.pem"));
    selfSigned = await serve(file("self.key"), file("self.pem"));
  });
  afterAll(async () => {
    for (const a of agents) a["https:"].destroy();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, env: Record<string, string> = {}) => {
    const a = createAgents(2, env);
    agents.push(a);
    return send(a, { method: "GET", url: new URL(url) });
  };
  const sentence = (error: unknown) =>
    registryFailure(error, {
      registry: "127.0.0.1",
      repository: "web",
      action: "checking blob sha256:1",
      attempts: 1,
    }).message;

  it("refuses a certificate from an unknown CA, in one sentence naming the host and AWS_CA_BUNDLE", async () => {
    const error = await get(signed).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(sentence(error)).toBe(
      "The TLS certificate of 127.0.0.1 is signed by an unknown certificate authority (UNABLE_TO_VERIFY_LEAF_SIGNATURE): if a private CA or an intercepting proxy signs it, set AWS_CA_BUNDLE to a PEM file holding that CA's certificate.",
    );
  });

  it("trusts the CA that AWS_CA_BUNDLE names, and still no self-signed leaf", async () => {
    expect((await get(signed, { AWS_CA_BUNDLE: file("ca.pem") })).status).toBe(200);
    const error = await get(selfSigned, { AWS_CA_BUNDLE: file("ca.pem") }).catch((e: unknown) => e);
    expect(sentence(error)).toMatch(
      /^The TLS certificate of 127\.0\.0\.1 is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\): /,
    );
  });
});
