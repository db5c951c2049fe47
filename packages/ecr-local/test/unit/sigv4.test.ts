import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { KeyStore } from "../../src/sigv4/keys.js";
import { type SignedRequest, verifySigV4 } from "../../src/sigv4/verify.js";

class Sha256 extends Hash {
  constructor(secret?: Parameters<Hash["update"]>[0]) {
    super("sha256", secret);
  }
}

const LONG_TERM = {
  accessKeyId: "AKIAEXAMPLEEXAMPLE01",
  secretAccessKey: "secret/long/term/key/0123456789abcdefghij",
  principalArn: "arn:aws:iam::123456789012:user/ecr-local",
};
const DATE = new Date("2025-06-01T12:00:00Z");
const BODY = '{"repositoryName":"app"}';

/** Signs a request the way the SDK does and returns it as the server would receive it. */
async function sign(
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  options: { body?: string; service?: string; date?: Date } = {},
): Promise<SignedRequest> {
  const request = new HttpRequest({
    method: "POST",
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 4510,
    path: "/",
    headers: {
      host: "127.0.0.1:4510",
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
    },
    body: options.body ?? BODY,
  });
  const signer = new SignatureV4({
    credentials,
    region: "us-east-1",
    service: options.service ?? "ecr",
    sha256: Sha256,
  });
  const signed = await signer.sign(request, { signingDate: options.date ?? DATE });
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: "POST", url: "/", headers, body: Buffer.from(BODY) };
}

function verify(request: SignedRequest, keys = new KeyStore(LONG_TERM), now = DATE) {
  return verifySigV4(request, { service: "ecr", region: "us-east-1", lookup: (id) => keys.lookup(id), now });
}

describe("verifySigV4", () => {
  it("accepts a request signed with the long-term key", async () => {
    const key = await verify(await sign(LONG_TERM));
    expect(key.accessKeyId).toBe(LONG_TERM.accessKeyId);
  });

  it("rejects a tampered body", async () => {
    const request = await sign(LONG_TERM);
    request.body = Buffer.from('{"repositoryName":"other"}');
    await expect(verify(request)).rejects.toMatchObject({ code: "InvalidSignatureException" });
  });

  it("rejects a signature made with the wrong secret", async () => {
    const request = await sign({ ...LONG_TERM, secretAccessKey: "wrong" });
    await expect(verify(request)).rejects.toMatchObject({ code: "InvalidSignatureException" });
  });

  it("rejects an unknown key as an invalid security token", async () => {
    const request = await sign({ accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "x" });
    await expect(verify(request)).rejects.toMatchObject({
      code: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    });
  });

  it("rejects a date more than 15 minutes off", async () => {
    const request = await sign(LONG_TERM, { date: new Date(DATE.getTime() - 16 * 60 * 1000) });
    await expect(verify(request)).rejects.toMatchObject({
      code: "InvalidSignatureException",
      message: expect.stringMatching(/^Signature expired: 20250601T114400Z is now earlier than/),
    });
  });

  it("rejects a credential scoped to another service", async () => {
    await expect(verify(await sign(LONG_TERM, { service: "s3" }))).rejects.toMatchObject({
      code: "InvalidSignatureException",
    });
  });

  it("rejects a request without Authorization", async () => {
    const request = await sign(LONG_TERM);
    delete request.headers.authorization;
    await expect(verify(request)).rejects.toMatchObject({
      code: "MissingAuthenticationTokenException",
      status: 403,
    });
  });

  it("accepts temporary credentials with their session token only", async () => {
    const keys = new KeyStore(LONG_TERM);
    const temp = keys.issueTemporary("arn:aws:sts::123456789012:assumed-role/r/s", 900, DATE);
    const good = await sign(temp);
    expect((await verify(good, keys)).principalArn).toContain("assumed-role");

    const withoutToken = await sign({ accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey });
    await expect(verify(withoutToken, keys)).rejects.toMatchObject({ code: "UnrecognizedClientException" });

    const wrongToken = await sign({ ...temp, sessionToken: "forged" });
    await expect(verify(wrongToken, keys)).rejects.toMatchObject({ code: "UnrecognizedClientException" });
  });

  it("rejects expired temporary credentials", async () => {
    const keys = new KeyStore(LONG_TERM);
    const temp = keys.issueTemporary("arn:aws:sts::123456789012:assumed-role/r/s", 900, DATE);
    const later = new Date(DATE.getTime() + 901 * 1000);
    const request = await sign(temp, { date: later });
    await expect(verify(request, keys, later)).rejects.toMatchObject({ code: "ExpiredTokenException" });
  });

  it("rejects a long-term key presented with a session token", async () => {
    await expect(verify(await sign({ ...LONG_TERM, sessionToken: "x" }))).rejects.toMatchObject({
      code: "UnrecognizedClientException",
    });
  });
});
