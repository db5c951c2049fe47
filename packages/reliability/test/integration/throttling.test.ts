import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture, errorLines } from "@ecr-push/e2e";
import { realPartAvailable } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const THROTTLES = 5;
const ROUNDS = 3;

describe.runIf(realPartAvailable("the built CLI", cliMissing()))(
  "pushes while ECR throttles the API calls",
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-throttling-"));
    let e2e: EcrFixture;

    beforeAll(async () => {
      e2e = await EcrFixture.start(NO_DOCKER.DOCKER_HOST);
    });
    afterAll(async () => {
      await e2e?.close();
      removeCliSnapshot();
      rmSync(dir, { recursive: true, force: true });
    });

    const throttled = () => e2e.local.calls.filter((call) => call.errorCode === "ThrottlingException").length;

    it(`survives ${THROTTLES} throttled calls per push with the default retry settings, and gives up in one sentence when told to try less`, async () => {
      const seconds: number[] = [];
      const { password } = await e2e.registryCredentials();
      for (let round = 0; round < ROUNDS; round++) {
        const image = writeOciImage(path.join(dir, `image-${round}`), { layers: 1, layerBytes: 32 * 1024 });
        const before = throttled();
        // The first round also creates the repository: DescribeRepositories fails, CreateRepository follows.
        e2e.local.throttleNext(THROTTLES);
        const started = Date.now();
        const run = await pushWithCli(e2e, [
          `oci:${image.dir}`,
          "-r",
          "reliability/throttled",
          "-t",
          `r${round}`,
          "--create-repository",
          "--json",
        ]);
        seconds.push((Date.now() - started) / 1000);
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout).digest).toBe(image.digest);
        expect(secretsIn(run, password)).toEqual([]);
        expect(throttled() - before).toBe(THROTTLES);
        expect(await storedImage(e2e.local, password, "reliability/throttled", `r${round}`)).toMatchObject({
          digest: image.digest,
          missing: [],
        });
      }

      // Two attempts cannot get past five throttles: the push stops before anything is uploaded.
      const image = writeOciImage(path.join(dir, "image-bounded"), { layers: 1, layerBytes: 1024 });
      e2e.local.throttleNext(THROTTLES);
      const before = throttled();
      const blobsBefore = e2e.local.stats.blobsUploaded;
      const bounded = await pushWithCli(
        e2e,
        [`oci:${image.dir}`, "-r", "reliability/throttled", "-t", "bounded"],
        { AWS_MAX_ATTEMPTS: "2" },
      );
      expect(bounded.code).toBe(1);
      const lines = errorLines(bounded.stderr, /throttled/);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /ECR throttled (GetAuthorizationToken|DescribeRepositories) \(ThrottlingException\) even after retries: wait a moment and try again, or run fewer pushes at once in this account and region\.$/,
      );
      expect(bounded.stderr).not.toMatch(/^\s+at /m);
      expect(throttled() - before).toBeLessThanOrEqual(4);
      expect(e2e.local.stats.blobsUploaded).toBe(blobsBefore);
      expect(await storedImage(e2e.local, password, "reliability/throttled", "bounded")).toBeUndefined();
      e2e.local.throttleNext(0);

      recordFigures("throttling", {
        order: 20,
        title: "Throttling of the ECR API",
        figures: {
          "pushes, each meeting 5 ThrottlingExceptions first": ROUNDS,
          "pushes succeeded (default settings: 5 attempts, standard retry mode)": ROUNDS,
          "throttles survived": ROUNDS * THROTTLES,
          "push time with 5 throttles (s, each)": seconds.map((s) => s.toFixed(1)).join(", "),
          "push with AWS_MAX_ATTEMPTS=2 against 5 throttles":
            "failed in one sentence (exit 1), nothing uploaded",
        },
        note: "ecr-local answered the first 5 ECR calls of each push with ThrottlingException (HTTP 400, as ECR does); the SDK retried them with its throttling back-off.",
      });
    });
  },
);
