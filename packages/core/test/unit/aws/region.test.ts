import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeImds } from "@ecr-push/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { InputError, resolveRegion } from "../../../src/index.js";

// A closed loopback port: nothing answers, so IMDS must be skipped quickly.
const NO_IMDS = { AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" };

describe("resolveRegion", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it("prefers the input, then AWS_REGION, then AWS_DEFAULT_REGION", async () => {
    const env = { AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "eu-west-2" };
    expect(await resolveRegion({ region: "us-east-2", env })).toEqual({
      region: "us-east-2",
      source: "input",
    });
    expect(await resolveRegion({ env })).toEqual({ region: "eu-west-1", source: "AWS_REGION" });
    expect(await resolveRegion({ env: { AWS_DEFAULT_REGION: "eu-west-2" } })).toEqual({
      region: "eu-west-2",
      source: "AWS_DEFAULT_REGION",
    });
  });

  it("rejects a malformed region from the environment, naming the variable", async () => {
    await expect(resolveRegion({ env: { AWS_REGION: "us_west_2" } })).rejects.toThrow(
      'Invalid AWS_REGION "us_west_2": use an AWS region code such as us-east-1 (did you mean us-west-2?).',
    );
  });

  it("asks IMDSv2 with a session token when nothing else names a region", async () => {
    const imds = await startFakeImds("ap-southeast-2");
    closers.push(imds.close);
    const resolved = await resolveRegion({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint } });
    expect(resolved).toEqual({ region: "ap-southeast-2", source: "instance metadata" });
    expect(imds.requests).toEqual(["PUT /latest/api/token", "GET /latest/meta-data/placement/region"]);
  });

  it("does not call IMDS when AWS_EC2_METADATA_DISABLED=true", async () => {
    const imds = await startFakeImds("ap-southeast-2");
    closers.push(imds.close);
    const env = { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint, AWS_EC2_METADATA_DISABLED: "true" };
    await expect(resolveRegion({ env, regionInputName: "--region" })).rejects.toThrow(
      "No AWS region: set --region or AWS_REGION.",
    );
    expect(imds.requests).toEqual([]);
  });

  it("fails with the clear error when no metadata service answers", async () => {
    const error = await resolveRegion({ env: NO_IMDS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe("region");
    expect((error as InputError).message).toBe("No AWS region: set region or AWS_REGION.");
  });

  it("gives up on a metadata service that never answers after the timeout", async () => {
    const server = createServer(() => {
      /* never responds */
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const started = Date.now();
    await expect(
      resolveRegion({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint }, imdsTimeoutMs: 200 }),
    ).rejects.toThrow("No AWS region");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
