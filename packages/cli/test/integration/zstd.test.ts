import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as zlib from "node:zlib";
import { EcrFixture } from "@ecr-push/e2e";
import {
  containerdForTests,
  dockerEnv,
  dockerForTests,
  realPartAvailable,
  run,
  runOk,
  skopeoRawManifest,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, expectClean } from "./harness.js";

const dockerHost = dockerForTests();
const containerd = dockerHost && containerdForTests(dockerHost);
// The CLI runs on this Node: zstd needs 22.15+, and scripts/test.sh runs the suite on Node 24.
const zstdNode = realPartAvailable(
  "Node.js with zstd (22.15 or later)",
  "zstdCompress" in zlib ? undefined : `this is Node.js ${process.versions.node}`,
);

/** Node's zstd reader (22.15+), which @types/node 20 does not declare. */
const { zstdDecompressSync } = zlib as unknown as { zstdDecompressSync: (bytes: Buffer) => Buffer };

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const ZSTD_LAYER = "application/vnd.oci.image.layer.v1.tar+zstd";
const sha256 = (bytes: Buffer | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

interface Manifest {
  mediaType: string;
  config: { mediaType: string; digest: string };
  layers: { mediaType: string; digest: string }[];
}

/** containerd's name for a stack of layers: what its snapshots are keyed by. */
function chainIds(diffIds: string[]): string[] {
  const ids: string[] = [];
  for (const diffId of diffIds) {
    const parent = ids.at(-1);
    ids.push(parent ? sha256(`${parent} ${diffId}`) : diffId);
  }
  return ids;
}

describe.runIf(dockerHost && containerd && zstdNode)(
  "ecr-push push --compression zstd: an OCI image with zstd layers, read back by skopeo, containerd and podman",
  () => {
    const host = dockerHost as string;
    const work = mkdtempSync(path.join(tmpdir(), "ecr-push-zstd-"));
    const archive = path.join(work, "web.tar");
    const layout = path.join(work, "layout");
    let e2e: EcrFixture;
    let credentials: { username: string; password: string };
    let imageId: string;
    let diffIds: string[];

    const ctr = (args: string[]) =>
      runOk("ctr", ["--address", containerd as string, "--namespace", "ecr-push-zstd", ...args]);
    /** containerd pulls and unpacks: each layer decompressed and checked against its diff ID. */
    const ctrPull = (uri: string) =>
      ctr([
        "images",
        "pull",
        "--plain-http",
        "--user",
        `${credentials.username}:${credentials.password}`,
        uri,
      ]);
    /** The archive pushed to team/zstd under `tag`, with `extra` flags, as JSON. */
    const pushArchive = (tag: string, extra: string[] = []) =>
      cli(e2e, ["push", `docker-archive:${archive}`, "-r", "team/zstd", "-t", tag, "--json", ...extra]);

    beforeAll(async () => {
      e2e = await EcrFixture.start(host);
      credentials = await e2e.registryCredentials();
      // Salted text over several 4 MiB zstd frames, and a layer that does not compress.
      const salt = randomBytes(8).toString("hex");
      const lines = Array.from(
        { length: 120_000 },
        (_, i) => `${salt} line ${i}: {"name":"web","n":${i * 7}}`,
      );
      writeFileSync(path.join(work, "app.txt"), lines.join("\n"));
      writeFileSync(path.join(work, "blob.bin"), randomBytes(3 * 1024 * 1024));
      writeFileSync(
        path.join(work, "Dockerfile"),
        "FROM scratch\nCOPY app.txt /srv/app.txt\nCOPY blob.bin /srv/blob.bin\n",
      );
      const env = dockerEnv(host);
      await runOk("docker", ["build", "-q", "-t", "zstd/web:1", work], { env });
      imageId = (
        await runOk("docker", ["image", "inspect", "--format", "{{.Id}}", "zstd/web:1"], { env })
      ).trim();
      await runOk("docker", ["save", "-o", archive, "zstd/web:1"], { env });
      diffIds = JSON.parse(
        await runOk("docker", ["image", "inspect", "--format", "{{json .RootFS.Layers}}", "zstd/web:1"], {
          env,
        }),
      );
      // Pulls below must fetch the layers: a daemon holding them already would not.
      await runOk("docker", ["image", "rm", "zstd/web:1"], { env });
      // An OCI layout whose layers skopeo wrote as zstd: a source that is already compressed.
      await runOk("skopeo", [
        "copy",
        "-q",
        "--dest-compress-format",
        "zstd",
        `docker-archive:${archive}`,
        `oci:${layout}:web`,
      ]);
    });
    afterAll(async () => {
      await e2e?.close();
      rmSync(work, { recursive: true, force: true });
    });

    it("pushes zstd layers under an OCI manifest whose layers decompress to the image's diff IDs", async () => {
      await e2e.createRepository("team/zstd");
      const run1 = await pushArchive("z1", ["--compression", "zstd"]);
      expect(run1.code, run1.stderr).toBe(0);
      expectClean(run1, credentials.password);
      const doc = JSON.parse(run1.stdout);
      const uri = `${e2e.local.registry}/team/zstd:z1`;
      const manifest: Manifest = JSON.parse(await skopeoRawManifest(uri, credentials));
      expect(manifest.mediaType).toBe(OCI_MANIFEST);
      expect(manifest.config).toMatchObject({
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: imageId,
      });
      expect(manifest.layers.map((layer) => layer.mediaType)).toEqual(diffIds.map(() => ZSTD_LAYER));

      // skopeo copies every blob, checking its digest; each layer then decompresses to its diff ID.
      const dir = path.join(work, "dir");
      await runOk("skopeo", [
        "copy",
        "-q",
        "--src-tls-verify=false",
        "--src-creds",
        `${credentials.username}:${credentials.password}`,
        `docker://${uri}`,
        `dir:${dir}`,
      ]);
      const layers = manifest.layers.map((layer) =>
        readFileSync(path.join(dir, layer.digest.replace(/^sha256:/, ""))),
      );
      expect(layers.map((layer) => sha256(zstdDecompressSync(layer)))).toEqual(diffIds);

      // containerd (Docker 23+'s image store, ECS, EKS) pulls and unpacks it, checking each diff ID.
      await ctrPull(uri);
      const snapshots = await ctr(["snapshots", "ls"]);
      expect(snapshots).toContain(chainIds(diffIds).at(-1));

      // podman (containers/image) pulls it into its own store and saves it back to the same layers.
      const podman = path.join(work, "podman");
      const store = ["--root", path.join(podman, "root"), "--runroot", path.join(podman, "run")];
      await runOk("podman", [
        ...store,
        "--storage-driver",
        "vfs",
        "pull",
        "-q",
        "--tls-verify=false",
        "--creds",
        `${credentials.username}:${credentials.password}`,
        uri,
      ]);
      const saved = path.join(work, "podman-saved");
      await runOk("podman", [
        ...store,
        "--storage-driver",
        "vfs",
        "save",
        "-q",
        "--format",
        "oci-dir",
        "--uncompressed",
        "-o",
        saved,
        uri,
      ]);
      const blob = (digest: string) =>
        readFileSync(path.join(saved, "blobs", "sha256", digest.replace(/^sha256:/, "")));
      const savedIndex = JSON.parse(readFileSync(path.join(saved, "index.json"), "utf8"));
      const savedManifest: Manifest = JSON.parse(blob(savedIndex.manifests[0].digest).toString());
      expect(savedManifest.layers.map((layer) => sha256(blob(layer.digest)))).toEqual(diffIds);
      expect(doc.digest).toBe(sha256(Buffer.from(await skopeoRawManifest(uri, credentials))));
    });

    it("is refused by Docker engines before 23 and pulled by later ones", async () => {
      const env = dockerEnv(host, { DOCKER_CONFIG: path.join(work, "docker-config") });
      const version = (await runOk("docker", ["version", "--format", "{{.Server.Version}}"], { env })).trim();
      await runOk("docker", ["login", "-u", "AWS", "--password-stdin", e2e.local.registry], {
        env,
        input: credentials.password,
      });
      const pulled = await run("docker", ["pull", "-q", `${e2e.local.registry}/team/zstd:z1`], { env });
      if (Number(version.split(".")[0]) >= 23) {
        expect(pulled.code, pulled.stderr).toBe(0);
      } else {
        // What the README says: consumers that only read gzip cannot pull a zstd image.
        expect(pulled.code).not.toBe(0);
        expect(pulled.stderr).toMatch(/invalid tar header|unsupported|zstd/i);
      }
    });

    it("re-runs send nothing; gzip of the same image is a Docker manifest docker pulls, not the zstd one", async () => {
      const rerun = await pushArchive("z1", ["--compression", "zstd"]);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(JSON.parse(rerun.stdout).tagResults).toMatchObject([{ tag: "z1", status: "unchanged" }]);

      const gzip = await pushArchive("g1");
      expect(gzip.code, gzip.stderr).toBe(0);
      const uri = `${e2e.local.registry}/team/zstd:g1`;
      const manifest: Manifest = JSON.parse(await skopeoRawManifest(uri, credentials));
      expect(manifest.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
      expect(manifest.layers.map((layer) => layer.mediaType)).toEqual(
        diffIds.map(() => "application/vnd.docker.image.rootfs.diff.tar.gzip"),
      );
      const env = dockerEnv(host, { DOCKER_CONFIG: path.join(work, "docker-config") });
      await runOk("docker", ["pull", "-q", uri], { env });
      expect((await runOk("docker", ["image", "inspect", "--format", "{{.Id}}", uri], { env })).trim()).toBe(
        imageId,
      );
      await runOk("docker", ["image", "rm", uri], { env });
    });

    it("pushes an OCI layout's zstd layers as they are, with the layout's manifest digest", async () => {
      const index = JSON.parse(readFileSync(path.join(layout, "index.json"), "utf8"));
      const stored = index.manifests[0].digest;
      const pushed = await cli(e2e, [
        "push",
        `oci:${layout}:web`,
        "-r",
        "team/zstd",
        "-t",
        "from-oci",
        "--json",
      ]);
      expect(pushed.code, pushed.stderr).toBe(0);
      expect(JSON.parse(pushed.stdout).digest).toBe(stored);
      const uri = `${e2e.local.registry}/team/zstd:from-oci`;
      const manifest: Manifest = JSON.parse(await skopeoRawManifest(uri, credentials));
      expect(manifest.layers.map((layer) => layer.mediaType)).toEqual(diffIds.map(() => ZSTD_LAYER));
      await ctrPull(uri);
      expect(readdirSync(path.join(layout, "blobs", "sha256"))).toContain(stored.replace(/^sha256:/, ""));
    });
  },
);
