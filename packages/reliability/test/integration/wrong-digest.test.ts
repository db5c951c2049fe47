import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture, errorLines } from "@ecr-push/e2e";
import { realPartAvailable } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy, otherDigest, type Plane } from "../../src/fault-proxy.js";
import { writeOciImage } from "../../src/oci-image.js";
import {
  CLI,
  cliMissing,
  NO_DOCKER,
  pushWithCli,
  removeCliSnapshot,
  storedImage,
} from "../../src/push-runs.js";

type Answer = { plane: Plane; method: string; path: string };
const FIX = "check for a proxy or gateway that rewrites registry traffic, then push again.";

/**
 * The built CLI against ecr-local behind a front that changes the Docker-Content-Digest of chosen
 * answers (the blob commit of a bad-input case lives in bad-input.test.ts): a manifest PUT under a
 * tag, and the blob commits of a promote. Each fails at once with one sentence, never retried.
 */
describe.runIf(realPartAvailable("the built CLI", cliMissing()))(
  "a registry that answers with another digest than that of the bytes sent",
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-wrong-digest-"));
    let e2e: EcrFixture;
    let proxy: FaultProxy;
    let rewrite: (answer: Answer) => boolean = () => false;
    const errors = (stderr: string) => errorLines(stderr, "error: ").map((line) => line.slice(7));

    beforeAll(async () => {
      e2e = await EcrFixture.start(NO_DOCKER.DOCKER_HOST);
      proxy = await FaultProxy.start({ upstream: e2e.local.endpoint, rewriteDigest: (a) => rewrite(a) });
    });
    afterAll(async () => {
      await proxy?.close();
      await e2e?.close();
      removeCliSnapshot();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a tagged manifest: exit 1, one sentence saying the tag may already have moved, one PUT", async () => {
      await e2e.createRepository("reliability/digest-manifest");
      const image = writeOciImage(path.join(dir, "manifest"), { layers: 2, layerBytes: 16 * 1024 });
      rewrite = ({ method, path: p }) => method === "PUT" && p.includes("/manifests/");
      const rewrittenBefore = proxy.counts.digestsRewritten;
      const run = await pushWithCli(
        e2e,
        [`oci:${image.dir}`, "-r", "reliability/digest-manifest", "-t", "v1"],
        { AWS_ENDPOINT_URL_ECR: proxy.endpoint },
      );
      expect(run.code, run.stderr).toBe(1);
      expect(errors(run.stderr)).toEqual([
        `The registry ${proxy.host} answered the manifest ${image.digest} put to reliability/digest-manifest:v1 with digest ${otherDigest(image.digest)}: the manifest changed on the way or in the registry, and the tag v1 may already point at what the registry stored; ${FIX}`,
      ]);
      expect(run.stderr).not.toMatch(/\n\s+at \S+ \(/);
      expect(proxy.counts.digestsRewritten - rewrittenBefore).toBe(1);
      // What the sentence warns of: ecr-local stored the bytes sent, and the tag names them.
      const { password } = await e2e.registryCredentials();
      const stored = await storedImage(e2e.local, password, "reliability/digest-manifest", "v1");
      expect(stored).toMatchObject({ digest: image.digest, missing: [] });
    });

    it("a promote whose blob commits are answered with another digest: exit 1, one sentence, no tag", async () => {
      await e2e.createRepository("reliability/digest-source");
      await e2e.createRepository("reliability/digest-target");
      const image = writeOciImage(path.join(dir, "promote"), { layers: 1, layerBytes: 16 * 1024 });
      rewrite = () => false;
      const pushed = await pushWithCli(e2e, [
        `oci:${image.dir}`,
        "-r",
        "reliability/digest-source",
        "-t",
        "1",
      ]);
      expect(pushed.code, pushed.stderr).toBe(0);

      rewrite = ({ method, path: p }) => method === "PUT" && p.includes("/blobs/uploads/");
      const manifestsBefore = e2e.local.stats.manifestsPut;
      const ecrHost = `${e2e.local.accountId}.dkr.ecr.${e2e.local.region}.amazonaws.com`;
      const run = await e2e.runNode(
        CLI,
        [
          "promote",
          `${ecrHost}/reliability/digest-source:1`,
          "--source-endpoint-url",
          e2e.local.endpoint,
          "-r",
          "reliability/digest-target",
          "-t",
          "promoted",
        ],
        { ...NO_DOCKER, AWS_ENDPOINT_URL_ECR: proxy.endpoint },
      );
      expect(run.code, run.stderr).toBe(1);
      const lines = errors(run.stderr);
      expect(lines).toHaveLength(1);
      const blob = /answered the upload of blob (sha256:[a-f0-9]{64})/.exec(lines[0] ?? "")?.[1] ?? "";
      expect(image.blobs).toContain(blob);
      expect(lines[0]).toBe(
        `The registry ${proxy.host} answered the upload of blob ${blob} to reliability/digest-target with digest ${otherDigest(blob)}: the data changed on the way, so nothing was tagged; ${FIX}`,
      );
      expect(e2e.local.stats.manifestsPut).toBe(manifestsBefore);
      expect(e2e.local.repository("reliability/digest-target")?.imageTags ?? {}).toEqual({});
    });
  },
);
