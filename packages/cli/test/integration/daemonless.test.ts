import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { EcrFixture, errorLines } from "@ecr-push/e2e";
import {
  buildTestImage,
  dockerEnv,
  dockerForTests,
  runOk,
  skopeoInspect,
  skopeoRawManifest,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();
/** What a job without any Docker engine or CLI looks like: no docker on PATH, no daemon socket. */
const NO_DOCKER = { PATH: "/nonexistent", DOCKER_HOST: "unix:///nonexistent/docker.sock" };

const sha256 = (bytes: Buffer | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

describe.runIf(dockerHost)(
  "ecr-push push of docker-archive and OCI layout sources, with no Docker engine",
  () => {
    const host = dockerHost as string;
    const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-daemonless-"));
    const archive = path.join(dir, "images.tar");
    const layout = path.join(dir, "layout");
    let e2e: EcrFixture;
    let password: string;
    let webId: string;

    beforeAll(async () => {
      e2e = await EcrFixture.start(host);
      password = (await e2e.registryCredentials()).password;
      // 3 MiB layers: several gzip members each, which docker pull must read back to the same image.
      webId = await buildTestImage(host, "daemonless/web:1", { layers: 3, sizeBytes: 9 * 1024 * 1024 });
      await buildTestImage(host, "daemonless/api:2", { layers: 1 });
      await runOk("docker", ["save", "-o", archive, "daemonless/web:1", "daemonless/api:2"], {
        env: dockerEnv(host),
      });
      for (const [image, ref] of [
        ["daemonless/web:1", "web"],
        ["daemonless/api:2", "api"],
      ]) {
        await runOk("skopeo", [
          "copy",
          "-q",
          "--src-daemon-host",
          host,
          `docker-daemon:${image}`,
          `oci:${layout}:${ref}`,
        ]);
      }
    });
    afterAll(async () => {
      await e2e?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("pushes one image of a docker save archive under two tags; skopeo and docker pull agree", async () => {
      await e2e.createRepository("team/archive");
      const source = `docker-archive:${archive}:daemonless/web:1`;
      const run = await cli(
        e2e,
        ["push", source, "-r", "team/archive", "-t", "1.0,latest", "--json"],
        NO_DOCKER,
      );
      expect(run.code, run.stderr).toBe(0);
      const doc = JSON.parse(run.stdout);
      expect(doc.imageUris).toEqual(["1.0", "latest"].map((t) => `${e2e.local.registry}/team/archive:${t}`));
      // The daemonless engine knows the size it pushed; it must agree with ECR's.
      const described = await e2e.ecr().send(
        new DescribeImagesCommand({
          repositoryName: "team/archive",
          imageIds: [{ imageDigest: doc.digest }],
        }),
      );
      expect(doc.imageSizeBytes).toBe(described.imageDetails?.[0]?.imageSizeInBytes);
      const credentials = await e2e.registryCredentials();
      for (const uri of doc.imageUris)
        expect((await skopeoInspect(uri, credentials)).Digest).toBe(doc.digest);
      // One line per finished layer (3 layers and the config), then the digest of each tag.
      expect(run.stderr.match(/^ {2}[a-f0-9]{12}: Pushed /gm)).toHaveLength(4);
      expectClean(run, password);

      const config = mkdtempSync(path.join(tmpdir(), "ecr-push-pull-"));
      try {
        const env = dockerEnv(host, { DOCKER_CONFIG: config });
        await runOk("docker", ["login", "-u", "AWS", "--password-stdin", e2e.local.registry], {
          env,
          input: password,
        });
        await runOk("docker", ["pull", "-q", doc.imageUri], { env });
        expect(
          (await runOk("docker", ["image", "inspect", "--format", "{{.Id}}", doc.imageUri], { env })).trim(),
        ).toBe(webId);
        await runOk("docker", ["image", "rm", doc.imageUri], { env });
      } finally {
        rmSync(config, { recursive: true, force: true });
      }

      // A re-run: the tag already names this image, so nothing is sent and the tag says so.
      const warm = await cli(e2e, ["push", source, "-r", "team/archive", "-t", "1.0", "--json"], NO_DOCKER);
      expect(warm.code, warm.stderr).toBe(0);
      expect(JSON.parse(warm.stdout)).toMatchObject({
        digest: doc.digest,
        tagResults: [{ tag: "1.0", imageUri: `${e2e.local.registry}/team/archive:1.0`, status: "unchanged" }],
      });
      expect(warm.stderr).not.toMatch(/Pushed [\d.]+ MiB/);
      expect(warm.stderr).toMatch(/every tag already named this image, so nothing was sent\.$/m);
    });

    it("pushes an OCI layout manifest exactly as stored, and a multi-platform index with its children", async () => {
      await e2e.createRepository("team/oci");
      const run = await cli(
        e2e,
        ["push", `oci:${layout}:api`, "-r", "team/oci", "-t", "api", "-q"],
        NO_DOCKER,
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe("");
      const credentials = await e2e.registryCredentials();
      const raw = await skopeoRawManifest(`${e2e.local.registry}/team/oci:api`, credentials);
      expect(run.stdout).toContain(`@${sha256(raw)}`);

      const index = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8"));
      const children = ["web", "api"].map((ref) =>
        index.manifests.find(
          (m: { annotations: Record<string, string> }) =>
            m.annotations["org.opencontainers.image.ref.name"] === ref,
        ),
      );
      const indexBytes = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: children.map((c, i) => ({
          mediaType: c.mediaType,
          digest: c.digest,
          size: c.size,
          platform: { os: "linux", architecture: i === 0 ? "amd64" : "arm64" },
        })),
      });
      const indexDigest = sha256(indexBytes);
      writeFileSync(path.join(layout, "blobs", "sha256", indexDigest.slice(7)), indexBytes);
      index.manifests.push({
        mediaType: "application/vnd.oci.image.index.v1+json",
        digest: indexDigest,
        size: indexBytes.length,
        annotations: { "org.opencontainers.image.ref.name": "multi" },
      });
      writeFileSync(path.join(layout, "index.json"), JSON.stringify(index));

      const multi = await cli(
        e2e,
        ["push", `oci:${layout}:multi`, "-r", "team/oci", "-t", "multi", "--json"],
        NO_DOCKER,
      );
      expect(multi.code, multi.stderr).toBe(0);
      expect(JSON.parse(multi.stdout).digest).toBe(indexDigest);
      expect(await skopeoRawManifest(`${e2e.local.registry}/team/oci:multi`, credentials)).toBe(indexBytes);
      for (const child of children) {
        expect(
          (await skopeoInspect(`${e2e.local.registry}/team/oci@${child.digest}`, credentials)).Digest,
        ).toBe(child.digest);
      }
      expectClean(multi, password);
    });

    it("fails in one sentence: a missing path (exit 2), a damaged archive and an immutable tag (exit 1)", async () => {
      await e2e.createRepository("team/errors", { imageTagMutability: "IMMUTABLE" });
      const missing = await cli(
        e2e,
        ["push", `docker-archive:${dir}/none.tar`, "-r", "team/errors"],
        NO_DOCKER,
      );
      expect(missing.code).toBe(2);
      expect(errorLines(missing.stderr, "error: ")).toEqual([
        `error: Cannot read docker-archive:${dir}/none.tar (it does not exist): check SOURCE.`,
      ]);
      expect(missing.stderr).not.toContain("Authenticating");

      const damaged = path.join(dir, "damaged.tar");
      writeFileSync(damaged, readFileSync(archive).subarray(0, 10_000));
      const broken = await cli(e2e, ["push", `docker-archive:${damaged}`, "-r", "team/errors"], NO_DOCKER);
      expect(broken.code).toBe(1);
      expect(errorLines(broken.stderr, "error: ")).toEqual([
        `error: docker-archive:${damaged} is not a valid image source (the archive is truncated): write it again with docker save.`,
      ]);

      const source = `docker-archive:${archive}:daemonless/api:2`;
      const first = await cli(e2e, ["push", source, "-r", "team/errors", "-t", "v1"], NO_DOCKER);
      expect(first.code, first.stderr).toBe(0);
      const other = await cli(
        e2e,
        ["push", `docker-archive:${archive}:daemonless/web:1`, "-r", "team/errors", "-t", "v1"],
        NO_DOCKER,
      );
      expect(other.code).toBe(1);
      expect(errorLines(other.stderr, "error: ")).toEqual([
        expect.stringMatching(
          /^error: The tag v1 already exists in team\/errors on another image \(sha256:[a-f0-9]{64}\) and the repository's tags are immutable, so nothing was pushed: choose a new tag or make the repository's tags mutable\.$/,
        ),
      ]);
      expect(other.stderr).not.toMatch(/\n\s+at /);
      expectClean(other, password);
    });
  },
);
