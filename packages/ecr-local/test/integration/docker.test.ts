import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ListImagesCommand,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import { buildTestImage, dockerEnv, dockerForTests, run, runOk, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LocalEcr } from "../../src/index.js";
import { ecrClient, localEcr, registryPassword } from "./helpers.js";

const dockerHost = dockerForTests();

describe.runIf(dockerHost)("docker CLI and skopeo against the local registry", () => {
  const host = dockerHost ?? "";
  let ecr: LocalEcr;
  let password: string;
  let env: NodeJS.ProcessEnv;
  let configDir: string;
  const docker = (...args: string[]) => runOk("docker", args, { env });
  const dockerMayFail = (...args: string[]) => run("docker", args, { env });
  const pushedDigest = (output: string) => /digest: (sha256:[a-f0-9]{64})/.exec(output)?.[1];

  async function createRepository(name: string, imageTagMutability: "MUTABLE" | "IMMUTABLE" = "MUTABLE") {
    await ecrClient(ecr).send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability }));
  }

  /** Builds a fresh image and tags it as `<registry>/<repo>:<tag>`. */
  async function imageFor(repo: string, tag: string): Promise<{ ref: string; id: string }> {
    const local = `ecr-local-test/${repo}:${tag}-${Date.now()}`;
    const id = await buildTestImage(host, local, { sizeBytes: 32 * 1024, layers: 2 });
    const ref = `${ecr.registry}/${repo}:${tag}`;
    await docker("tag", local, ref);
    await docker("rmi", local);
    return { ref, id };
  }

  beforeAll(async () => {
    ecr = await localEcr();
    password = await registryPassword(ecr);
  });
  afterAll(() => ecr.close());

  beforeEach(async () => {
    // A private credentials store per test: never the user's ~/.docker.
    configDir = mkdtempSync(path.join(tmpdir(), "ecr-local-docker-config-"));
    env = dockerEnv(host, { DOCKER_CONFIG: configDir });
    await runOk("docker", ["login", "--username", "AWS", "--password-stdin", ecr.registry], {
      env,
      input: password,
    });
    return () => rmSync(configDir, { recursive: true, force: true });
  });

  it("pushes, pulls back and tags again; the control plane and skopeo agree", async () => {
    await createRepository("team/web");
    const { ref, id } = await imageFor("team/web", "v1");
    const digest = pushedDigest(await docker("push", ref));
    expect(digest).toBeDefined();

    await docker("rmi", ref);
    await docker("pull", ref);
    expect((await docker("image", "inspect", "--format", "{{.Id}}", ref)).trim()).toBe(id);

    const second = `${ecr.registry}/team/web:v2`;
    await docker("tag", ref, second);
    expect(pushedDigest(await docker("push", second))).toBe(digest);

    const client = ecrClient(ecr);
    const described = await client.send(new DescribeImagesCommand({ repositoryName: "team/web" }));
    const detail = described.imageDetails?.[0];
    expect(detail).toMatchObject({
      imageDigest: digest,
      imageTags: ["v1", "v2"],
      imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
    });
    const got = await client.send(
      new BatchGetImageCommand({ repositoryName: "team/web", imageIds: [{ imageTag: "v1" }] }),
    );
    const manifest = JSON.parse(got.images?.[0]?.imageManifest ?? "{}");
    const layerBytes = manifest.layers.reduce((sum: number, l: { size: number }) => sum + l.size, 0);
    expect(detail?.imageSizeInBytes).toBe(manifest.config.size + layerBytes);

    const inspected = await skopeoInspect(ref, { username: "AWS", password });
    expect(inspected.Digest).toBe(digest);
    expect(inspected.RepoTags.sort()).toEqual(["v1", "v2"]);
    await docker("rmi", ref, second);
  });

  it("pulls a tag added through PutImage", async () => {
    await createRepository("retag");
    const { ref, id } = await imageFor("retag", "build-1");
    const digest = pushedDigest(await docker("push", ref));
    await docker("rmi", ref);

    const client = ecrClient(ecr);
    const got = await client.send(
      new BatchGetImageCommand({ repositoryName: "retag", imageIds: [{ imageDigest: digest }] }),
    );
    const image = got.images?.[0];
    await client.send(
      new PutImageCommand({
        repositoryName: "retag",
        imageManifest: image?.imageManifest,
        imageManifestMediaType: image?.imageManifestMediaType,
        imageTag: "stable",
      }),
    );
    const stable = `${ecr.registry}/retag:stable`;
    await docker("pull", stable);
    expect((await docker("image", "inspect", "--format", "{{.Id}}", stable)).trim()).toBe(id);
    const listed = await client.send(new ListImagesCommand({ repositoryName: "retag" }));
    expect(listed.imageIds?.map((i) => i.imageTag).sort()).toEqual(["build-1", "stable"]);
    await docker("rmi", stable);
  });

  it("refuses to move an immutable tag and to push into a missing repository", async () => {
    await createRepository("frozen", "IMMUTABLE");
    const first = await imageFor("frozen", "v1");
    await docker("push", first.ref);
    await docker("rmi", first.ref);
    const second = await imageFor("frozen", "v1");
    const moved = await dockerMayFail("push", second.ref);
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toMatch(/tag invalid/i);
    expect(moved.stderr).toContain("cannot be overwritten because the repository is immutable");
    await docker("rmi", second.ref);

    const stray = await imageFor("never-created", "v1");
    const missing = await dockerMayFail("push", stray.ref);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/name unknown/i);
    await docker("rmi", stray.ref);
  });
});
