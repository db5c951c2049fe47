import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import { realPartAvailable } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../src/fault-proxy.js";
import { recordFigures } from "../../src/figures.js";
import { writeOciImage } from "../../src/oci-image.js";
import {
  cliMissing,
  NO_DOCKER,
  pushWithCli,
  removeCliSnapshot,
  secretsIn,
  storedImage,
} from "../../src/push-runs.js";

const TOKEN_TTL_SECONDS = 2;
const LAYERS = 8;

describe.runIf(realPartAvailable("the built CLI", cliMissing()))(
  "a push that outlasts its registry token",
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-token-"));
    let e2e: EcrFixture;
    let proxy: FaultProxy;

    beforeAll(async () => {
      e2e = await EcrFixture.start(NO_DOCKER.DOCKER_HOST, { tokenTtlSeconds: TOKEN_TTL_SECONDS });
      // No faults: every registry request is held back up to 400 ms, so the push lasts several tokens.
      proxy = await FaultProxy.start({
        upstream: e2e.local.endpoint,
        seed: 7,
        delayRate: 1,
        maxDelayMs: 400,
        faults: ({ plane }) => plane === "registry",
      });
    });
    afterAll(async () => {
      await proxy?.close();
      await e2e?.close();
      removeCliSnapshot();
      rmSync(dir, { recursive: true, force: true });
    });

    const tokensIssued = () => e2e.local.calls.filter((c) => c.operation === "GetAuthorizationToken").length;

    it(`refreshes a ${TOKEN_TTL_SECONDS}-second token before it expires and finishes the push`, async () => {
      await e2e.createRepository("reliability/token");
      const image = writeOciImage(path.join(dir, "image"), { layers: LAYERS, layerBytes: 16 * 1024 });
      const before = tokensIssued();
      const started = Date.now();
      const run = await pushWithCli(
        e2e,
        [
          `oci:${image.dir}`,
          "-r",
          "reliability/token",
          "-t",
          "long",
          "--concurrency",
          "1",
          "--json",
          "--debug",
        ],
        { AWS_ENDPOINT_URL_ECR: proxy.endpoint, AWS_ENDPOINT_URL_STS: proxy.endpoint },
      );
      const seconds = (Date.now() - started) / 1000;
      expect(run.code, run.stderr.split("\n").slice(-30).join("\n")).toBe(0);
      expect(JSON.parse(run.stdout).digest).toBe(image.digest);

      const issued = tokensIssued() - before;
      const refreshes = run.stderr.match(/Refreshed the registry token/g)?.length ?? 0;
      // The push lasted well past one token, and the tokens were renewed before any request was refused.
      expect(seconds).toBeGreaterThan(2 * TOKEN_TTL_SECONDS);
      expect(refreshes).toBeGreaterThanOrEqual(2);
      expect(issued).toBe(1 + refreshes);
      expect(run.stderr).not.toMatch(/ -> 40[13]$/m);

      const { password } = await e2e.registryCredentials();
      expect(secretsIn(run, password)).toEqual([]);
      expect(await storedImage(e2e.local, password, "reliability/token", "long")).toMatchObject({
        digest: image.digest,
        missing: [],
      });

      recordFigures("token-refresh", {
        order: 30,
        title: "Registry token refresh during a long push",
        figures: {
          "token lifetime (s)": TOKEN_TTL_SECONDS,
          "push duration (s)": seconds.toFixed(1),
          "blobs uploaded (one at a time, each request held back up to 400 ms)": LAYERS + 1,
          "GetAuthorizationToken calls by the push": issued,
          "token refreshes": refreshes,
          "registry requests refused (401/403)": 0,
        },
        note: "ecr-local issued 2-second registry tokens; the daemonless push renewed the token when three quarters of its life had passed (5 minutes before expiry for ECR's 12-hour tokens). A push through the Docker engine cannot renew mid-push: docker reads its credentials once.",
      });
    });
  },
);
