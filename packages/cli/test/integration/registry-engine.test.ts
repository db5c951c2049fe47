import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutAccountSettingCommand } from "@aws-sdk/client-ecr";
import { EcrFixture, errorLines } from "@ecr-push/e2e";
import {
  buildTestImage,
  dockerEnv,
  dockerForTests,
  realPartAvailable,
  runOk,
  skopeoInspect,
  skopeoRawManifest,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();

/** Blob bytes the endpoint received while `fn` ran. */
async function received<T>(e2e: EcrFixture, fn: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  const before = e2e.local.stats.blobBytesReceived;
  const value = await fn();
  return { value, bytes: e2e.local.stats.blobBytesReceived - before };
}

describe.runIf(dockerHost)("ecr-push push of a local image with the registry engine (the default)", () => {
  const host = dockerHost as string;
  const env = dockerEnv(host);
  let e2e: EcrFixture;
  let work: string;
  let v1Id: string;
  let v2Id: string;
  let creds: { username: string; password: string };
  let credsText: string;
  const registry = () => new URL(e2e.local.endpoint).host;

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    work = mkdtempSync(path.join(tmpdir(), "ecr-push-engine-"));
    v1Id = await buildTestImage(host, "e2e/engine:v1", { layers: 3, sizeBytes: 3 * 1024 * 1024 });
    // v2: v1 plus one small layer, as a new build of an app on the same base.
    const ctx = path.join(work, "v2");
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, "app.txt"), `app ${Math.random()}\n`.repeat(2000));
    writeFileSync(path.join(ctx, "Dockerfile"), "FROM e2e/engine:v1\nCOPY app.txt /app.txt\n");
    await runOk("docker", ["build", "-q", "-t", "e2e/engine:v2", ctx], { env });
    v2Id = (
      await runOk("docker", ["image", "inspect", "--format", "{{.Id}}", "e2e/engine:v2"], { env })
    ).trim();
    creds = await e2e.registryCredentials();
    credsText = `${creds.username}:${creds.password}`;
  });
  afterAll(async () => {
    await e2e?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cacheDir = (name: string) => path.join(work, `cache-${name}`);

  it("exports and pushes with no docker login and no Docker config; the digest is that of the same image pushed from its docker save archive", async () => {
    await e2e.createRepository("team/engine-local");
    await e2e.createRepository("team/engine-archive");
    const home = mkdtempSync(path.join(tmpdir(), "ecr-push-engine-home-"));
    try {
      const pushed = await cli(
        e2e,
        ["push", "e2e/engine:v1", "-r", "team/engine-local", "-t", "v1", "--json", "--debug"],
        { HOME: home, ECR_PUSH_CACHE_DIR: cacheDir("first") },
      );
      expect(pushed.code, pushed.stderr).toBe(0);
      expectClean(pushed);
      const doc = JSON.parse(pushed.stdout);
      // docker is asked only to describe and export the image: no login, no tag, no push.
      expect(pushed.stderr).toContain(`debug: docker save ${v1Id}`);
      expect(pushed.stderr).not.toMatch(/debug: docker (login|tag|push)\b/);
      expect(pushed.stderr).not.toContain("DOCKER_CONFIG");
      expect(existsSync(path.join(home, ".docker"))).toBe(false);
      expect(doc.tagResults).toEqual([{ tag: "v1", imageUri: doc.imageUri, status: "pushed" }]);
      const inspected = await skopeoInspect(`${registry()}/team/engine-local:v1`, creds);
      expect(inspected.Digest).toBe(doc.digest);

      const archive = path.join(work, "v1.tar");
      await runOk("docker", ["save", "-o", archive, "e2e/engine:v1"], { env });
      const fromArchive = await cli(e2e, [
        "push",
        `docker-archive:${archive}`,
        "-r",
        "team/engine-archive",
        "-t",
        "v1",
        "--json",
      ]);
      expect(fromArchive.code, fromArchive.stderr).toBe(0);
      expect(JSON.parse(fromArchive.stdout).digest).toBe(doc.digest);
      // The pushed image is the very image that was exported: its config is the image ID.
      const manifest = JSON.parse(await skopeoRawManifest(`${registry()}/team/engine-local:v1`, creds));
      expect(manifest.config.digest).toBe(v1Id);
      expect(manifest.layers).toHaveLength(3);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("v2 into a repository where only the registry knows v1: only the new layer and the config travel", async () => {
    await e2e.createRepository("team/engine-v2");
    const archive = path.join(work, "v1-seed.tar");
    await runOk("docker", ["save", "-o", archive, "e2e/engine:v1"], { env });
    await runOk("skopeo", [
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      "--dest-creds",
      credsText,
      `docker-archive:${archive}`,
      `docker://${registry()}/team/engine-v2:v1`,
    ]);
    const { value: run, bytes } = await received(e2e, () =>
      cli(e2e, ["push", "e2e/engine:v2", "-r", "team/engine-v2", "-t", "v2", "--json", "--debug"], {
        ECR_PUSH_CACHE_DIR: cacheDir("empty-v2"),
      }),
    );
    expect(run.code, run.stderr).toBe(0);
    expectClean(run);
    const doc = JSON.parse(run.stdout);
    const manifest = JSON.parse(await skopeoRawManifest(`${registry()}/team/engine-v2:v2`, creds));
    const newLayer = manifest.layers.at(-1).size as number;
    expect(bytes).toBe(newLayer + manifest.config.size);
    expect(run.stderr).toContain("3 of 4 layers are already in team/engine-v2.");
    expect((await skopeoInspect(`${registry()}/team/engine-v2:v2`, creds)).Digest).toBe(doc.digest);
    expect(doc.tagResults[0].status).toBe("pushed");
    expect(v2Id).toMatch(/^sha256:/);
  });

  it("a re-run in an IMMUTABLE repository sends nothing and succeeds; another image under the tag is refused before any upload", async () => {
    await e2e.createRepository("team/engine-immutable", { imageTagMutability: "IMMUTABLE" });
    const args = ["-r", "team/engine-immutable", "-t", "v1", "-t", "stable", "--json"];
    const first = await cli(e2e, ["push", "e2e/engine:v1", ...args]);
    expect(first.code, first.stderr).toBe(0);
    const { value: again, bytes } = await received(e2e, () => cli(e2e, ["push", "e2e/engine:v1", ...args]));
    expect(again.code, again.stderr).toBe(0);
    expect(bytes).toBe(0);
    const doc = JSON.parse(again.stdout);
    expect(doc.digest).toBe(JSON.parse(first.stdout).digest);
    expect(doc.tagResults.map((t: { status: string }) => t.status)).toEqual(["unchanged", "unchanged"]);
    expect(again.stderr).toContain("every tag already named this image, so nothing was sent");

    const { value: refused, bytes: refusedBytes } = await received(e2e, () =>
      cli(e2e, ["push", "e2e/engine:v2", "-r", "team/engine-immutable", "-t", "v1"]),
    );
    expect(refused.code).toBe(1);
    expect(refusedBytes).toBe(0);
    expect(errorLines(refused.stderr, "error: ")).toEqual([
      `error: The tag v1 already exists in team/engine-immutable on another image (${doc.digest}) and the repository's tags are immutable, so nothing was pushed: choose a new tag or make the repository's tags mutable.`,
    ]);
  });

  it("the layer cache lends layers to another repository (mounted with BLOB_MOUNTING on); a corrupt cache file is ignored", async () => {
    const cache = cacheDir("shared");
    for (const name of ["team/cache-a", "team/cache-b", "team/cache-c"]) await e2e.createRepository(name);
    const a = await cli(e2e, ["push", "e2e/engine:v1", "-r", "team/cache-a", "-t", "v1"], {
      ECR_PUSH_CACHE_DIR: cache,
    });
    expect(a.code, a.stderr).toBe(0);
    const files = readdirSync(path.join(cache, "layers-v1"));
    expect(files).toHaveLength(1);
    const ecr = e2e.ecr();
    await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "ENABLED" }));
    try {
      const mountedBefore = e2e.local.stats.blobsMounted;
      const { value: b, bytes } = await received(e2e, () =>
        cli(e2e, ["push", "e2e/engine:v1", "-r", "team/cache-b", "-t", "v1", "--debug"], {
          ECR_PUSH_CACHE_DIR: cache,
        }),
      );
      expect(b.code, b.stderr).toBe(0);
      expect(e2e.local.stats.blobsMounted - mountedBefore).toBe(3);
      expect(b.stderr).toMatch(/\(layer cache; mounted from team\/cache-a\)/);
      // Only the config travels.
      expect(bytes).toBeLessThan(4096);
    } finally {
      await ecr.send(new PutAccountSettingCommand({ name: "BLOB_MOUNTING", value: "DISABLED" }));
      ecr.destroy();
    }
    writeFileSync(path.join(cache, "layers-v1", files[0] as string), "{ not json");
    const c = await cli(e2e, ["push", "e2e/engine:v1", "-r", "team/cache-c", "-t", "v1", "--debug"], {
      ECR_PUSH_CACHE_DIR: cache,
    });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toContain("ignored");
  });

  it("an export in the OCI layout of containerd's image store: compressed blobs go as they are, digest unchanged", async () => {
    await e2e.createRepository("team/engine-oci");
    const archive = path.join(work, "v1-plain.tar");
    await runOk("docker", ["save", "-o", archive, "e2e/engine:v1"], { env });
    const oci = path.join(work, "v1-oci.tar");
    await runOk("skopeo", [
      "copy",
      "--quiet",
      "--dest-compress",
      `docker-archive:${archive}`,
      `oci-archive:${oci}`,
    ]);
    const manifest = JSON.parse(await runOk("skopeo", ["inspect", "--raw", `oci-archive:${oci}`]));
    const fake = fakeDocker(work, "oci", {
      inspect: { Id: manifest.config.digest, RepoTags: [], RepoDigests: [] },
      saveFile: oci,
    });
    const run = await cli(e2e, [
      "push",
      "e2e/engine:v1",
      "-r",
      "team/engine-oci",
      "-t",
      "v1",
      "--json",
      "--docker-path",
      fake,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    const raw = await runOk("skopeo", ["inspect", "--raw", `oci-archive:${oci}`]);
    expect(await skopeoRawManifest(`${registry()}/team/engine-oci:v1`, creds)).toBe(raw);
    expect(doc.digest).toBe((await skopeoInspect(`${registry()}/team/engine-oci:v1`, creds)).Digest);
  });

  it("an export that dies half-way fails in one sentence and moves no tag; SIGTERM during an export ends with 143 and leaves no file", async () => {
    await e2e.createRepository("team/engine-broken");
    const archive = path.join(work, "v1-broken.tar");
    await runOk("docker", ["save", "-o", archive, "e2e/engine:v1"], { env });
    const dying = fakeDocker(work, "dying", {
      inspect: { Id: v1Id, RepoTags: [], RepoDigests: [] },
      saveFile: archive,
      saveBytes: 200_000,
      saveExit: 1,
    });
    const run = await cli(e2e, [
      "push",
      "e2e/engine:v1",
      "-r",
      "team/engine-broken",
      "-t",
      "v1",
      "--docker-path",
      dying,
    ]);
    expect(run.code).toBe(1);
    expectClean(run);
    const [line] = errorLines(run.stderr, "error: ");
    expect(line).toMatch(
      /^error: docker save sha256:[0-9a-f]{64} failed \(the daemon broke off\), so nothing was pushed:/,
    );
    expect(Object.keys(e2e.local.repository("team/engine-broken")?.imageTags ?? {})).toEqual([]);

    const hanging = fakeDocker(work, "hanging", {
      inspect: { Id: v1Id, RepoTags: [], RepoDigests: [] },
      saveFile: archive,
      saveBytes: 200_000,
      hang: true,
    });
    const tmp = mkdtempSync(path.join(tmpdir(), "ecr-push-engine-tmp-"));
    try {
      const child = spawn(
        process.execPath,
        [
          CLI,
          "push",
          "e2e/engine:v1",
          "-r",
          "team/engine-broken",
          "-t",
          "v1",
          "--docker-path",
          hanging,
          "--debug",
        ],
        {
          env: { ...e2e.env(), TMPDIR: tmp, HOME: tmp } as NodeJS.ProcessEnv,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      await until(() => stderr.includes("docker save"), 20_000);
      await until(() => readdirSync(tmp).some((name) => name.startsWith("ecr-push-export-")), 20_000);
      child.kill("SIGTERM");
      const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
      expect(code, stderr).toBe(143);
      expect(readdirSync(tmp)).toEqual([]);
      expect(Object.keys(e2e.local.repository("team/engine-broken")?.imageTags ?? {})).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("a full disk while spooling the export fails in one sentence, moves no tag and leaves no file", async (ctx) => {
    const root = typeof process.getuid === "function" && process.getuid() === 0;
    if (
      !realPartAvailable(
        "root (to mount a 512 KiB tmpfs as the temporary folder)",
        root ? undefined : "not root",
      )
    )
      return ctx.skip();
    await e2e.createRepository("team/engine-full");
    const small = mkdtempSync(path.join(tmpdir(), "ecr-push-full-"));
    await runOk("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", small]);
    try {
      const run = await cli(e2e, ["push", "e2e/engine:v1", "-r", "team/engine-full", "-t", "v1", "--debug"], {
        TMPDIR: small,
      });
      expect(run.code, run.stderr.split("\n").slice(-25).join("\n")).toBe(1);
      const escaped = small.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      expect(errorLines(run.stderr, "error: ")).toEqual([
        expect.stringMatching(
          new RegExp(
            `^error: Could not write the image export to ${escaped}/ecr-push-export-\\w+ \\(no space left\\), so nothing was pushed: free space there or point TMPDIR \\(TEMP on Windows\\) at a folder with room\\.$`,
          ),
        ),
      ]);
      expect(readdirSync(small)).toEqual([]);
      expect(Object.keys(e2e.local.repository("team/engine-full")?.imageTags ?? {})).toEqual([]);
    } finally {
      await runOk("umount", [small]);
      rmSync(small, { recursive: true, force: true });
    }
  });
});

/**
 * A stand-in for the docker CLI (a Node script): `image inspect` prints `inspect`, `save` writes
 * `saveFile` (or its first `saveBytes`, then exits with `saveExit` or hangs), `image rm` succeeds.
 */
function fakeDocker(
  dir: string,
  name: string,
  behaviour: { inspect: object; saveFile: string; saveBytes?: number; saveExit?: number; hang?: boolean },
): string {
  const file = path.join(dir, name);
  const script = `#!${process.execPath}
const fs = require("node:fs");
const behaviour = ${JSON.stringify(behaviour)};
const [command, sub] = process.argv.slice(2);
if (command === "image" && sub === "inspect") {
  process.stdout.write(JSON.stringify(behaviour.inspect) + "\\n");
} else if (command === "save") {
  const data = fs.readFileSync(behaviour.saveFile);
  const part = behaviour.saveBytes ? data.subarray(0, behaviour.saveBytes) : data;
  process.stdout.write(part, () => {
    if (behaviour.hang) setInterval(() => {}, 1000);
    else if (behaviour.saveExit) {
      process.stderr.write("Error response from daemon: the daemon broke off\\n");
      process.exit(behaviour.saveExit);
    }
  });
}
`;
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return file;
}

async function until(test: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
