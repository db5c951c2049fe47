import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import { commandMissing, realPartAvailable, runOk, skopeoRawManifest } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const podmanMissing = await commandMissing("podman", "apt-get install podman");
const ready = realPartAvailable("podman", podmanMissing);

describe.runIf(ready)("ecr-push push of a local image where podman stands in for docker", () => {
  let e2e: EcrFixture;
  let work: string;
  let imageId: string;
  beforeAll(async () => {
    // No Docker engine is involved: the endpoint alone, and podman's own image store.
    e2e = await EcrFixture.start("unix:///nonexistent/docker.sock");
    work = mkdtempSync(path.join(tmpdir(), "ecr-push-podman-"));
    writeFileSync(path.join(work, "app.txt"), `podman ${Math.random()}\n`.repeat(5000));
    writeFileSync(path.join(work, "Containerfile"), "FROM scratch\nCOPY app.txt /app.txt\n");
    await runOk("podman", ["build", "-q", "-t", "e2e/podman:1", work]);
    imageId = `sha256:${(await runOk("podman", ["image", "inspect", "--format", "{{.Id}}", "e2e/podman:1"])).trim()}`;
  });
  afterAll(async () => {
    await runOk("podman", ["image", "rm", "-f", "e2e/podman:1"]).catch(() => "");
    await e2e?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("exports with podman save when docker is not on PATH; the pushed config is podman's image", async () => {
    // A PATH holding podman and nothing called docker.
    const bin = path.join(work, "bin");
    mkdirSync(bin);
    symlinkSync((await runOk("sh", ["-c", "command -v podman"])).trim(), path.join(bin, "podman"));
    await e2e.createRepository("team/podman");
    const run = await cli(
      e2e,
      ["push", "e2e/podman:1", "-r", "team/podman", "-t", "v1", "--json", "--debug"],
      {
        PATH: `${bin}${path.delimiter}/usr/sbin${path.delimiter}/sbin`,
      },
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
    expect(doc.tagResults).toEqual([{ tag: "v1", imageUri: doc.imageUri, status: "pushed" }]);
  });
});
