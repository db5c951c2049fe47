import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EcrFixture } from "@ecr-push/e2e";
import { commandMissing, realPartAvailable, run, skopeoInspect } from "@ecr-push/testkit";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const NO_DAEMON = "unix:///nonexistent.sock";

/**
 * A PATH holding only node. Not the folder of process.execPath itself: with Debian's docker.io that
 * is /usr/bin, which also holds docker.
 */
function nodeOnlyPath(parent: string): string {
  const bin = path.join(parent, "bin");
  mkdirSync(bin);
  try {
    symlinkSync(process.execPath, path.join(bin, path.basename(process.execPath)));
  } catch {
    // No symlinks here (Windows without the privilege): the demo starts process.execPath directly anyway.
  }
  return bin;
}

describe("scripts/demo.mjs (the README's first command) with no Docker engine or CLI", () => {
  it("writes an image in-process, pushes it as oci:DIR under two tags, and skopeo sees its digest", async () => {
    const work = mkdtempSync(path.join(tmpdir(), "ecr-push-demo-test-"));
    const home = path.join(work, "home");
    const tmp = path.join(work, "tmp");
    const dataDir = path.join(work, "ecr-data");
    mkdirSync(home);
    mkdirSync(tmp);
    try {
      const demo = await run(process.execPath, [path.join("scripts", "demo.mjs")], {
        cwd: ROOT,
        env: {
          PATH: nodeOnlyPath(work),
          DOCKER_HOST: NO_DAEMON,
          HOME: home,
          TMPDIR: tmp,
          ECR_PUSH_DEMO_DATA_DIR: dataDir,
        },
        timeoutMs: 150_000,
      });
      expect(demo.code, demo.stderr).toBe(0);

      // What the demo prints, line by line, exactly as with a Docker engine.
      const uri = /^image URI: (127\.0\.0\.1:\d+)\/demo\/hello:1\.0\.0$/m.exec(demo.stdout);
      expect(uri, demo.stdout).not.toBeNull();
      const registry = uri?.[1] as string;
      expect(demo.stdout).toContain(
        `all URIs:  ${registry}/demo/hello:1.0.0, ${registry}/demo/hello:latest\n`,
      );
      const digest = /^digest: {4}(sha256:[a-f0-9]{64})$/m.exec(demo.stdout)?.[1];
      expect(digest, demo.stdout).toBeDefined();
      expect(demo.stdout).toContain(`registry:  ${registry} (repository created)\n`);

      // It says why it took the daemonless way, and the registry holds the manifest it wrote.
      expect(demo.stderr).toMatch(/^demo: no Docker engine: .*daemonless engine/m);
      expect(demo.stderr).toContain(`(manifest ${digest})`);
      expect(demo.stderr).toContain(`1.0.0: digest: ${digest}`);
      expect(demo.stderr).not.toMatch(/\n\s+at /);
      expect(demo.stderr).not.toMatch(/^\(node:\d+\)/m);
      expect(readdirSync(tmp)).toEqual([]);

      // The demo's endpoint has stopped; one on the same data folder shows what was pushed.
      if (realPartAvailable("skopeo", await commandMissing("skopeo", "apt-get install skopeo"))) {
        const fixture = await EcrFixture.start(NO_DAEMON, { dataDir, region: "us-east-1" });
        try {
          const credentials = await fixture.registryCredentials();
          for (const tag of ["1.0.0", "latest"]) {
            const seen = await skopeoInspect(`${fixture.local.registry}/demo/hello:${tag}`, credentials);
            expect(seen.Digest).toBe(digest);
            expect(seen.Layers).toHaveLength(1);
          }
        } finally {
          await fixture.close();
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
