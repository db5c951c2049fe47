// The private dockerd the tests start: overlay2 when an overlay mount works under its root (as on CI
// runners), vfs otherwise, and a root that is removed with whatever is still mounted under it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startDockerd } from "../../src/dockerd.js";
import { overlayUnsupported } from "../../src/overlay.js";
import { runOk } from "../../src/process.js";
import { realPartAvailable } from "../../src/real-parts.js";

/** The built module, for a child process that starts a daemon (the test run builds first). */
const built = fileURLToPath(new URL("../../dist/dockerd.js", import.meta.url));

const rootMissing =
  process.platform !== "linux" || process.getuid?.() !== 0 ? "root on Linux (mount, dockerd)" : undefined;
const mountsUnder = (dir: string) =>
  readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .filter((line) => (line.split(" ")[1] ?? "").startsWith(`${dir}/`));
const overlayMount = (dir: string) => {
  for (const d of ["l", "u", "w", "m"]) mkdirSync(path.join(dir, d), { recursive: true });
  const options = `lowerdir=${dir}/l,upperdir=${dir}/u,workdir=${dir}/w`;
  return spawnSync("mount", ["-t", "overlay", "overlay", "-o", options, path.join(dir, "m")]).status === 0;
};

describe("overlay probe and private dockerd", () => {
  it("probes overlay in a scratch folder and leaves nothing behind", async () => {
    if (!realPartAvailable("root", rootMissing)) return;
    const parent = mkdtempSync(path.join(tmpdir(), "overlay-test-"));
    try {
      const reason = overlayUnsupported(parent);
      expect(reason === undefined || typeof reason === "string").toBe(true);
      expect(readdirSync(parent)).toEqual([]);
      expect(mountsUnder(parent)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("says why when the folder is itself on overlayfs", async () => {
    if (!realPartAvailable("root", rootMissing)) return;
    const dir = mkdtempSync(path.join(tmpdir(), "overlay-test-"));
    try {
      // Where overlay is not available at all there is no overlayfs to stand on: nothing to check.
      if (!overlayMount(dir)) return;
      expect(overlayUnsupported(path.join(dir, "m"))).toMatch(/is itself on overlayfs/);
      expect(readdirSync(path.join(dir, "m"))).toEqual([]);
    } finally {
      spawnSync("umount", ["-l", path.join(dir, "m")]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts dockerd on overlay2 where the probe works, and removes its root, mounts included", async () => {
    if (!realPartAvailable("root", rootMissing)) return;
    const probe = mkdtempSync(path.join(tmpdir(), "overlay-test-"));
    const expected = overlayUnsupported(probe) ? "vfs" : "overlay2";
    rmSync(probe, { recursive: true, force: true });
    const engine = await startDockerd();
    const root = path.dirname(engine.host.replace(/^unix:\/\//, ""));
    try {
      expect(engine.storageDriver).toBe(expected);
      const driver = await runOk("docker", ["info", "--format", "{{.Driver}}"], {
        env: { ...process.env, DOCKER_HOST: engine.host },
      });
      expect(driver.trim()).toBe(expected);
      // What a killed dockerd leaves: a layer still mounted under its data root.
      if (expected === "overlay2") {
        expect(overlayMount(path.join(root, "data", "overlay2", "left-over"))).toBe(true);
        expect(mountsUnder(root).length).toBeGreaterThan(0);
      }
    } finally {
      await engine.stop();
    }
    expect(mountsUnder(root)).toEqual([]);
    expect(existsSync(root)).toBe(false);
  });

  it("leaves no root, mount or daemon behind when a signal ends the process while dockerd starts", async () => {
    if (!realPartAvailable("root", rootMissing)) return;
    const daemonsIn = (dir: string) =>
      readdirSync("/proc")
        .filter((pid) => /^\d+$/.test(pid))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`--data-root=${dir}`);
          } catch {
            return false;
          }
        });
    // Stages of a start: the root just made (the overlay probe runs then), dockerd spawned, dockerd answering.
    const stages: [string, (root: string) => boolean][] = [
      ["root made", () => true],
      ["dockerd spawned", (root) => existsSync(path.join(root, "exec"))],
      ["dockerd answering", (root) => existsSync(path.join(root, "docker.sock"))],
    ];
    for (const [stage, reached] of stages) {
      const tmp = mkdtempSync(path.join(tmpdir(), "dockerd-signal-"));
      try {
        const child = spawn(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            `import { startDockerd } from ${JSON.stringify(built)}; await startDockerd(); setInterval(() => {}, 1000);`,
          ],
          { env: { ...process.env, TMPDIR: tmp }, stdio: "ignore" },
        );
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on("exit", (_code, signal) => resolve(signal)),
        );
        const deadline = Date.now() + 60_000;
        for (;;) {
          const root = readdirSync(tmp).find((name) => name.startsWith("ecr-push-dockerd-"));
          if (root && reached(path.join(tmp, root))) break;
          if (Date.now() > deadline) throw new Error(`the child never reached: ${stage}`);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        child.kill("SIGTERM");
        expect(await exited, stage).toBe("SIGTERM");
        expect(readdirSync(tmp), stage).toEqual([]);
        expect(mountsUnder(tmp), stage).toEqual([]);
        expect(daemonsIn(tmp), stage).toEqual([]);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  });
});
