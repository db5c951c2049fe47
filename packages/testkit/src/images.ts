import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runOk } from "./process.js";

export function dockerEnv(dockerHost: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: "0", ...extra };
}

/**
 * Builds a small image FROM scratch holding `sizeBytes` of random data (no network needed),
 * tags it `tag` and returns its image ID (`sha256:...`). Random content keeps digests unique.
 */
export async function buildTestImage(
  dockerHost: string,
  tag: string,
  options: { sizeBytes?: number; layers?: number } = {},
): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-image-"));
  try {
    const layers = options.layers ?? 1;
    const size = options.sizeBytes ?? 64 * 1024;
    const lines = ["FROM scratch"];
    for (let i = 0; i < layers; i++) {
      writeFileSync(path.join(dir, `data-${i}.bin`), randomBytes(Math.max(1, Math.floor(size / layers))));
      lines.push(`COPY data-${i}.bin /data-${i}.bin`);
    }
    writeFileSync(path.join(dir, "Dockerfile"), `${lines.join("\n")}\n`);
    await runOk("docker", ["build", "-q", "-t", tag, dir], { env: dockerEnv(dockerHost) });
    const id = await runOk("docker", ["image", "inspect", "--format", "{{.Id}}", tag], {
      env: dockerEnv(dockerHost),
    });
    return id.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lists every local tag of the engine, as `repo:tag`. */
export async function listLocalTags(dockerHost: string): Promise<string[]> {
  const out = await runOk("docker", ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"], {
    env: dockerEnv(dockerHost),
  });
  return out.split("\n").filter((l) => l && !l.endsWith(":<none>"));
}
