import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { rootCertificates } from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { awsFailure } from "../../../src/aws/errors.js";
import { PushFailedError } from "../../../src/errors/index.js";
import { tlsFailure, trustedCertificates } from "../../../src/net/index.js";
import { registryFailure } from "../../../src/registry/errors.js";

const certError = (code: string) => Object.assign(new Error(`certificate problem ${code}`), { code });

describe("TLS certificate failures", () => {
  it.each([
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "is signed by an unknown certificate authority", "AWS_CA_BUNDLE"],
    [
      "SELF_SIGNED_CERT_IN_CHAIN",
      "is signed by an untrusted self-signed certificate authority",
      "AWS_CA_BUNDLE",
    ],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "is self-signed", "AWS_CA_BUNDLE"],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "is signed by an unknown certificate authority", "AWS_CA_BUNDLE"],
    ["CERT_HAS_EXPIRED", "has expired", "system clock"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "does not match the host name", "host name"],
  ])("%s is one sentence naming the host and the fix", (code, problem, fix) => {
    const failure = tlsFailure(certError(code), "registry.example");
    expect(failure).toBeInstanceOf(PushFailedError);
    expect(failure?.code).toBe("CertificateRejected");
    expect(failure?.message).toMatch(
      new RegExp(`^The TLS certificate of registry\\.example ${problem} \\(${code}\\): .*${fix}.*\\.$`),
    );
    expect(failure?.message.split(". ")).toHaveLength(1);
  });

  it("finds the code inside an AggregateError or a cause, and ignores other errors", () => {
    expect(tlsFailure(new AggregateError([certError("CERT_HAS_EXPIRED")]), "h")?.message).toContain(
      "has expired",
    );
    expect(
      tlsFailure(new Error("wrapped", { cause: certError("DEPTH_ZERO_SELF_SIGNED_CERT") }), "h"),
    ).toBeDefined();
    expect(tlsFailure(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }), "h")).toBeUndefined();
  });

  it("is how the registry client and the AWS calls report a refused certificate", () => {
    const registry = registryFailure(certError("SELF_SIGNED_CERT_IN_CHAIN"), {
      registry: "123.dkr.ecr.eu-west-1.amazonaws.com",
      repository: "web",
      action: "checking blob sha256:1",
      attempts: 1,
    });
    expect(registry.message).toMatch(
      /^The TLS certificate of 123\.dkr\.ecr\.eu-west-1\.amazonaws\.com is signed/,
    );
    const sdk = awsFailure(certError("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), {
      service: "ECR",
      operation: "GetAuthorizationToken",
      region: "eu-west-1",
    });
    expect(sdk.message).toMatch(
      /^The TLS certificate of the ECR endpoint of eu-west-1 is signed by an unknown/,
    );
    const custom = awsFailure(certError("CERT_HAS_EXPIRED"), {
      service: "STS",
      operation: "AssumeRole",
      region: "eu-west-1",
      endpoint: "https://sts.internal.example",
    });
    expect(custom.message).toMatch(/^The TLS certificate of https:\/\/sts\.internal\.example has expired/);
  });
});

describe("AWS_CA_BUNDLE", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ca-bundle-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  it("is Node's defaults when unset", () => {
    expect(trustedCertificates({})).toBeUndefined();
  });

  it("adds the bundle (and NODE_EXTRA_CA_CERTS) to Node's roots", () => {
    const bundle = path.join(dir, "bundle.pem");
    const extra = path.join(dir, "extra.pem");
    writeFileSync(bundle, pem);
    writeFileSync(extra, pem.replace("MIIB", "MIIC"));
    const ca = trustedCertificates({ AWS_CA_BUNDLE: bundle, NODE_EXTRA_CA_CERTS: extra }) ?? [];
    expect(ca.length).toBe(rootCertificates.length + 2);
    expect(ca.at(-1)).toBe(pem);
  });

  it("names the variable, the file and the fix when the bundle is missing or not PEM", () => {
    const missing = path.join(dir, "missing.pem");
    expect(() => trustedCertificates({ AWS_CA_BUNDLE: missing })).toThrow(
      `Could not read the certificate bundle AWS_CA_BUNDLE="${missing}" (ENOENT): point AWS_CA_BUNDLE at a readable PEM file or unset it.`,
    );
    const text = path.join(dir, "text.pem");
    writeFileSync(text, "not a certificate");
    expect(() => trustedCertificates({ AWS_CA_BUNDLE: text })).toThrow(
      /holds no PEM certificate: point AWS_CA_BUNDLE/,
    );
  });
});
