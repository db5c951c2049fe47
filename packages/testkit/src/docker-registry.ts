import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Debian's docker-registry (the CNCF distribution registry). */
export const DOCKER_REGISTRY_BIN = "/usr/bin/docker-registry";

/** Why docker-registry cannot run here, or undefined when it can (for realPartAvailable). */
export function dockerRegistryMissing(): string | undefined {
  return existsSync(DOCKER_REGISTRY_BIN)
    ? undefined
    : `${DOCKER_REGISTRY_BIN} is missing (apt-get install docker-registry)`;
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`: docker treats loopback registries as insecure, so plain HTTP works. */
  host: string;
  /** Where it stores blobs and manifests. */
  dataDir: string;
  stop(): Promise<void>;
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

/** Starts docker-registry (no auth) on a random loopback port with storage in a temp folder. */
export async function startDockerRegistry(): Promise<LocalRegistry> {
  const root = mkdtempSync(path.join(tmpdir(), "docker-registry-"));
  const port = await freePort();
  const config = path.join(root, "config.yml");
  const dataDir = path.join(root, "data");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${dataDir}`,
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(DOCKER_REGISTRY_BIN, ["serve", config], { stdio: "ignore" });
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    child.kill();
    rmSync(root, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`http://${host}/v2/`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { host, dataDir, stop };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  await stop();
  throw new Error(`docker-registry did not answer on ${host}`);
}
