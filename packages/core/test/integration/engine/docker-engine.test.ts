import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  buildTestImage,
  commandMissing,
  dockerEnv,
  dockerForTests,
  type LocalRegistry,
  realPartAvailable,
  runOk,
  skopeoInspect,
  startDockerRegistry,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerEngine, pendingExitRemovals } from "../../../src/engine/index.js";

const dockerHost = dockerForTests();
const partsReady =
  !!dockerHost &&
  realPartAvailable(
    "docker-registry",
    await commandMissing("docker-registry", "apt-get install docker-registry"),
  ) &&
  realPartAvailable("skopeo", await commandMissing("skopeo", "apt-get install skopeo"));

const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;

describe.runIf(partsReady)("DockerCliEngine with a real docker and registry", () => {
  let registry: LocalRegistry;
  let scratch: string;
  let home: string;
  let tempDir: string;

  beforeAll(async () => {
    registry = await startDockerRegistry();
    scratch = mkdtempSync(path.join(tmpdir(), "engine-it-"));
    home = path.join(scratch, "home");
    tempDir = path.join(scratch, "tmp");
    mkdirSync(home);
    mkdirSync(tempDir);
  });

  afterAll(async () => {
    await registry?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** The user's environment as a host would pass it, with HOME pointing at an empty folder. */
  function userEnv(extra: Record<string, string> = {}) {
    const env = dockerEnv(dockerHost as string, { HOME: home });
    delete env.DOCKER_CONFIG;
    return { ...env, ...extra };
  }

  it("logs in, tags, pushes, inspects and removes, leaving nothing behind", async () => {
    const debug: string[] = [];
    const engine = createDockerEngine({ env: userEnv(), tempDir, debug: (line) => debug.push(line) });
    const source = `ecr-push-engine-it:${randomBytes(4).toString("hex")}`;
    const imageId = await buildTestImage(dockerHost as string, source);
    const v1 = `${registry.host}/team/app:v1`;
    const v2 = `${registry.host}/team/app:v2`;
    try {
      expect((await engine.inspect(source))?.id).toBe(imageId);

      await engine.login(registry.host, "AWS", PASSWORD);
      const [configDir] = readdirSync(tempDir).map((name) => path.join(tempDir, name));
      expect(configDir).toBeDefined();
      expect(pendingExitRemovals()).toContain(configDir);
      const config = JSON.parse(readFileSync(path.join(configDir as string, "config.json"), "utf8"));
      expect(config.auths[registry.host].auth).toBe(Buffer.from(`AWS:${PASSWORD}`).toString("base64"));

      await engine.tag(source, v1);
      const progress: string[] = [];
      const pushed = await engine.push(v1, ({ line }) => line && progress.push(line));
      expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(pushed.size).toBeGreaterThan(0);
      expect(progress.some((line) => line.includes("Pushed"))).toBe(true);
      expect((await skopeoInspect(v1)).Digest).toBe(pushed.digest);

      const image = await engine.inspect(v1);
      expect(image?.id).toBe(imageId);
      expect(image?.repoTags).toContain(v1);
      expect(image?.repoDigests).toContain(`${registry.host}/team/app@${pushed.digest}`);

      await engine.tag(source, v2);
      const second = await engine.push(v2);
      expect(second.digest).toBe(pushed.digest);
      expect((await skopeoInspect(v2)).Digest).toBe(pushed.digest);

      await engine.remove(v1);
      await engine.remove(v2);
      await engine.remove(v2);
      expect(await engine.inspect(v1)).toBeUndefined();
      expect((await engine.inspect(source))?.id).toBe(imageId);

      await engine.dispose();
      await engine.dispose();
      expect(existsSync(configDir as string)).toBe(false);
      expect(pendingExitRemovals()).not.toContain(configDir);
      expect(readdirSync(tempDir)).toEqual([]);
      expect(readdirSync(home)).toEqual([]);
      expect(debug.join("\n")).not.toContain(PASSWORD);
    } finally {
      await engine.dispose();
      await createDockerEngine({ env: userEnv() }).remove(source);
    }
  });

  it("follows the user's docker context after switching to the private config", async () => {
    const userConfig = path.join(scratch, "user-docker-config");
    const env = { ...userEnv({ DOCKER_CONFIG: userConfig }), DOCKER_HOST: undefined };
    await runOk("docker", ["context", "create", "ecr-push-it", "--docker", `host=${dockerHost}`], { env });
    await runOk("docker", ["context", "use", "ecr-push-it"], { env });
    const userConfigBefore = readFileSync(path.join(userConfig, "config.json"), "utf8");

    const engine = createDockerEngine({ env, tempDir });
    const source = `ecr-push-engine-it:${randomBytes(4).toString("hex")}`;
    await buildTestImage(dockerHost as string, source);
    const target = `${registry.host}/team/context:v1`;
    try {
      await engine.login(registry.host, "AWS", PASSWORD);
      await engine.tag(source, target);
      const pushed = await engine.push(target);
      expect((await skopeoInspect(target)).Digest).toBe(pushed.digest);
      await engine.remove(target);
    } finally {
      await engine.dispose();
      await engine.remove(source);
    }
    expect(readFileSync(path.join(userConfig, "config.json"), "utf8")).toBe(userConfigBefore);
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it("names a missing local image", async () => {
    const engine = createDockerEngine({ env: userEnv(), tempDir });
    await expect(
      engine.tag("ecr-push-engine-it:does-not-exist", `${registry.host}/team/app:x`),
    ).rejects.toMatchObject({ code: "ImageNotFound" });
  });

  it("says the daemon is unavailable for a bad DOCKER_HOST", async () => {
    const socket = path.join(scratch, "no-daemon.sock");
    const engine = createDockerEngine({ env: userEnv({ DOCKER_HOST: `unix://${socket}` }), tempDir });
    await expect(engine.inspect("anything:1")).rejects.toMatchObject({
      code: "DockerUnavailable",
      message: `Cannot connect to the Docker daemon at unix://${socket}: start Docker or set DOCKER_HOST.`,
    });
  });

  it("says docker is not found for a missing docker path", async () => {
    const dockerPath = path.join(scratch, "no-such-docker");
    const engine = createDockerEngine({ env: userEnv(), tempDir, dockerPath });
    await expect(engine.inspect("anything:1")).rejects.toMatchObject({
      code: "DockerNotFound",
      message: expect.stringContaining(dockerPath),
    });
  });
});
