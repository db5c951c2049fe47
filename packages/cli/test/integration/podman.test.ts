import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import {
  commandMissing,
  podmanForTests,
  realPartAvailable,
  skopeoConfig,
  skopeoRawManifest,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const podmanMissing = await commandMissing("podman", "apt-get install podman");
const ready = realPartAvailable("podman", podmanMissing);

describe.runIf(ready)("ecr-push push of a local image where podman stands in for docker", () => {
  let e2e: EcrFixture;
  let work: string;
  let imageId: string;
  /** podman's own diff IDs of the image, base first. */
  let diffIds: string[];
  /** A PATH holding podman and nothing called docker. */
  let podmanOnly: string;
  /** podman's private image store, named through CONTAINERS_STORAGE_CONF for the CLI's podman too. */
  let store: Record<string, string>;
  let podman: (args: string[]) => Promise<string>;
  beforeAll(async () => {
    // No Docker engine is involved: the endpoint alone, and podman's own image store.
    e2e = await EcrFixture.start("unix:///nonexistent/docker.sock");
    work = mkdtempSync(path.join(tmpdir(), "ecr-push-podman-"));
    const setup = await podmanForTests(work);
    ({ podman, storeEnv: store, podmanOnlyPath: podmanOnly } = setup);
    // Two layers, no network: FROM scratch and two COPYs of files nobody else has.
    ({ imageId, diffIds } = await setup.build("e2e/podman:1", {
      "/app.txt": `podman ${Math.random()}\n`.repeat(5000),
      "/etc/conf.txt": `conf ${Math.random()}\n`,
    }));
    expect(diffIds).toHaveLength(2);
  });
  afterAll(async () => {
    await e2e?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The pushed image's config, as the registry serves it. */
  async function pushedConfig(reference: string): Promise<{ rootfs: { diff_ids: string[] } }> {
    return skopeoConfig(reference, await e2e.registryCredentials());
  }

  it("exports with podman save when docker is not on PATH; the pushed config is podman's image", async () => {
    await e2e.createRepository("team/podman");
    const run = await cli(
      e2e,
      ["push", "e2e/podman:1", "-r", "team/podman", "-t", "v1", "-t", "v2", "--json", "--debug"],
      { PATH: podmanOnly, ...store },
    );
    expect(run.code, run.stderr).toBe(0);
    expectClean(run);
    expect(run.stderr).toContain(`debug: podman save ${imageId}`);
    const doc = JSON.parse(run.stdout);
    const registry = new URL(e2e.local.endpoint).host;
    const manifest = JSON.parse(
      await skopeoRawManifest(`${registry}/team/podman:v1`, await e2e.registryCredentials()),
    );
    expect(manifest.config.digest).toBe(imageId);
    expect(manifest.layers).toHaveLength(2);
    expect((await pushedConfig(`${registry}/team/podman:v2`)).rootfs.diff_ids).toEqual(diffIds);
    expect(doc.imageUri).toBe(`${registry}/team/podman:v1`);
    expect(doc.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc.tagResults).toEqual([
      { tag: "v1", imageUri: doc.imageUri, status: "pushed" },
      { tag: "v2", imageUri: `${registry}/team/podman:v2`, status: "pushed" },
    ]);
  });

  it("--engine docker pushes with podman push and reports the digest podman wrote", async () => {
    await e2e.createRepository("team/podman-push");
    const registry = new URL(e2e.local.endpoint).host;
    // The loopback endpoint speaks plain HTTP: podman is told so as a daemon would be (its
    // registries.conf, as docker's insecure-registries), not by a flag of ours.
    const conf = path.join(work, "registries.conf");
    writeFileSync(conf, `[[registry]]\nlocation = "${registry}"\ninsecure = true\n`);
    const run = await cli(
      e2e,
      [
        "push",
        "e2e/podman:1",
        "-r",
        "team/podman-push",
        "-t",
        "v1",
        "--engine",
        "docker",
        "--json",
        "--debug",
      ],
      { PATH: podmanOnly, CONTAINERS_REGISTRIES_CONF: conf, ...store },
    );
    expect(run.code, run.stderr).toBe(0);
    // The registry password: on podman's stdin, never in its argv or the log.
    const { password } = await e2e.registryCredentials();
    expectClean(run, password);
    expect(run.stderr).toMatch(/debug: podman login --username AWS --password-stdin /);
    expect(run.stderr).toMatch(/debug: podman push --digestfile \S+ \S+\/team\/podman-push:v1/);
    const doc = JSON.parse(run.stdout);
    const manifest = await skopeoRawManifest(
      `${registry}/team/podman-push:v1`,
      await e2e.registryCredentials(),
    );
    const { createHash } = await import("node:crypto");
    expect(doc.digest).toBe(`sha256:${createHash("sha256").update(manifest).digest("hex")}`);
    expect((await pushedConfig(`${registry}/team/podman-push:v1`)).rootfs.diff_ids).toEqual(diffIds);
    expect(doc.tagResults).toEqual([{ tag: "v1", imageUri: doc.imageUri, status: "pushed" }]);
    // The local target tag podman was given is removed again.
    const names = await podman(["image", "inspect", "--format", "{{json .RepoTags}}", imageId]);
    expect(names).not.toContain("team/podman-push");
  });

  it("names both docker and podman when neither is on PATH, for either engine", async () => {
    const empty = path.join(work, "empty-bin");
    mkdirSync(empty, { recursive: true });
    for (const engine of ["auto", "docker"]) {
      const args = ["push", "e2e/podman:1", "-r", "team/podman", "-t", "v3", "--engine", engine];
      const run = await cli(e2e, args, { PATH: empty, ...store });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr.trimEnd().split("\n").at(-1)).toBe(
        "error: Neither docker nor podman was found on PATH: install Docker (or podman), or add the folder holding it to PATH.",
      );
    }
  });
});
