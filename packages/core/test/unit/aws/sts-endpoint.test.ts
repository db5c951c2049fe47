import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PushFailedError, resolveCredentials } from "../../../src/index.js";
import { FakeMasker } from "../workflow/fakes.js";

// The real SDK STS clients against a local endpoint: proves AWS_ENDPOINT_URL_STS from the injected env reaches them.
const ROLE = "arn:aws:iam::123456789012:role/push";
const DENIED_ROLE = "arn:aws:iam::123456789012:role/denied";

interface SeenRequest {
  params: URLSearchParams;
  authorization: string;
}

function stsResponse(action: string): string {
  return `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>
<Credentials><AccessKeyId>ASIAFAKE</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>
<SessionToken>assumed-token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROAFAKE:ecr-push</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/push/ecr-push</Arn></AssumedRoleUser>
</${action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></${action}Response>`;
}

const DENIED = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
<Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRole</Message></Error><RequestId>2</RequestId></ErrorResponse>`;

async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

describe("STS endpoint from the injected environment", () => {
  const seen: SeenRequest[] = [];
  let endpoint = "";
  const server = createServer(async (req, res) => {
    const params = new URLSearchParams(await body(req));
    seen.push({ params, authorization: String(req.headers.authorization ?? "") });
    const denied = params.get("RoleArn") === DENIED_ROLE;
    res.writeHead(denied ? 403 : 200, { "content-type": "text/xml" });
    res.end(denied ? DENIED : stsResponse(params.get("Action") ?? ""));
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("assumes the role at AWS_ENDPOINT_URL_STS, signed for the resolved region", async () => {
    seen.length = 0;
    const secrets = new FakeMasker();
    const credentials = await resolveCredentials(
      { accessKeyId: "AKIABASE", secretAccessKey: "base-secret", roleArn: ROLE, externalId: "ext-1" },
      { region: "eu-central-2", env: { AWS_ENDPOINT_URL_STS: endpoint }, secrets },
    );
    expect(credentials).toMatchObject({
      accessKeyId: "ASIAFAKE",
      secretAccessKey: "assumed-secret",
      sessionToken: "assumed-token",
    });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(Object.fromEntries(request?.params ?? [])).toMatchObject({
      Action: "AssumeRole",
      RoleArn: ROLE,
      RoleSessionName: "ecr-push",
      ExternalId: "ext-1",
    });
    expect(request?.authorization).toContain("Credential=AKIABASE/");
    expect(request?.authorization).toContain("/eu-central-2/sts/aws4_request");
    expect(secrets.masked).toEqual(
      expect.arrayContaining(["base-secret", "assumed-secret", "assumed-token"]),
    );
  });

  it("exchanges a web identity token there too", async () => {
    seen.length = 0;
    await resolveCredentials(
      { webIdentityToken: "header.payload.sig", roleArn: ROLE },
      { region: "us-east-1", env: { AWS_ENDPOINT_URL: endpoint }, secrets: new FakeMasker() },
    );
    expect(seen[0]?.params.get("Action")).toBe("AssumeRoleWithWebIdentity");
    expect(seen[0]?.params.get("WebIdentityToken")).toBe("header.payload.sig");
  });

  it("names the role STS refused", async () => {
    const error = await resolveCredentials(
      { accessKeyId: "AKIABASE", secretAccessKey: "base-secret", roleArn: DENIED_ROLE },
      { region: "us-east-1", env: { AWS_ENDPOINT_URL_STS: endpoint }, secrets: new FakeMasker() },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushFailedError);
    expect((error as PushFailedError).code).toBe("AssumeRoleFailed");
    expect((error as PushFailedError).message).toMatch(
      new RegExp(
        `^Could not assume role ${DENIED_ROLE} \\(AccessDenied\\): check that the role's trust policy`,
      ),
    );
  });

  it("says where STS could not be reached", async () => {
    const error = await resolveCredentials(
      { accessKeyId: "AKIABASE", secretAccessKey: "base-secret", roleArn: ROLE },
      { region: "us-east-1", env: { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" }, secrets: new FakeMasker() },
    ).catch((e: unknown) => e);
    expect((error as PushFailedError).code).toBe("EndpointUnreachable");
    expect((error as PushFailedError).message).toBe(
      "Could not reach STS at http://127.0.0.1:9 (ECONNREFUSED): check the network connection and AWS_ENDPOINT_URL_STS.",
    );
  });
});
