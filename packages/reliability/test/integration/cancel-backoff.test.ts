import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { EcrFixture } from "@ecr-push/e2e";
import { realPartAvailable } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../src/fault-proxy.js";
import { writeOciImage } from "../../src/oci-image.js";
import { CLI, cliMissing, NO_DOCKER } from "../../src/push-runs.js";

/**
 * A push waiting out a back-off must stop when its job is cancelled: CI hosts send SIGTERM and
 * kill the step a few seconds later, so a sleep that ignores the signal costs the job its
 * cleanup. The registry here answers every request 503 with Retry-After: 30 (a 20 s back-off).
 */
describe.runIf(realPartAvailable("the built CLI", cliMissing()))("SIGTERM during a back-off", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-cancel-"));
  let e2e: EcrFixture;
  let proxy: FaultProxy;

  beforeAll(async () => {
    e2e = await EcrFixture.start(NO_DOCKER.DOCKER_HOST);
    proxy = await FaultProxy.start({
      upstream: e2e.local.endpoint,
      unavailableRate: 1,
      retryAfterSeconds: 30,
      faults: ({ plane }) => plane === "registry",
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await e2e?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ends the push within 1 s with exit 143, no tag moved and no file left", async () => {
    await e2e.createRepository("reliability/cancel");
    const image = writeOciImage(path.join(dir, "image"), { layers: 2, layerBytes: 64 * 1024 });
    const tmp = mkdtempSync(path.join(tmpdir(), "ecr-push-cancel-tmp-"));
    try {
      const child = spawn(
        process.execPath,
        [CLI, "push", `oci:${image.dir}`, "-r", "reliability/cancel", "-t", "v1", "--debug"],
        {
          env: {
            ...e2e.env({
              ...NO_DOCKER,
              AWS_ENDPOINT_URL_ECR: proxy.endpoint,
              AWS_ENDPOINT_URL_STS: proxy.endpoint,
            }),
            HOME: tmp,
            TMPDIR: tmp,
          } as NodeJS.ProcessEnv,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      const deadline = Date.now() + 30_000;
      while (!/retrying in \d{4,} ms/.test(stderr) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(stderr, "the push never started a long back-off").toMatch(/retrying in \d{4,} ms/);
      const sent = Date.now();
      child.kill("SIGTERM");
      const code = await closed;
      const took = Date.now() - sent;
      expect(code, stderr.split("\n").slice(-15).join("\n")).toBe(143);
      expect(took).toBeLessThan(1_000);
      expect(Object.keys(e2e.local.repository("reliability/cancel")?.imageTags ?? {})).toEqual([]);
      expect(readdirSync(tmp).filter((name) => name.startsWith("ecr-push"))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
