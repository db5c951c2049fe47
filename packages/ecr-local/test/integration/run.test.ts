import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { expect, it } from "vitest";
import { runLocalEcrUntilSignal, startLocalEcr } from "../../src/index.js";
import { ecrClient } from "./helpers.js";

it("runLocalEcrUntilSignal writes the ready line, serves, and stops on SIGTERM", async () => {
  const lines: string[] = [];
  const running = runLocalEcrUntilSignal({ env: {} }, (line) => lines.push(line));
  await expect.poll(() => lines.length).toBe(1);
  const ready = JSON.parse(lines[0] ?? "{}");
  expect(Object.keys(ready).sort()).toEqual([
    "accessKeyId",
    "accountId",
    "endpoint",
    "publicRegistry",
    "publicRegistryAlias",
    "region",
    "registry",
    "secretAccessKey",
  ]);
  expect((await fetch(`${ready.endpoint}/v2/`)).status).toBe(401);

  // Emitting runs the listeners without delivering a real signal to the test worker.
  process.emit("SIGTERM", "SIGTERM");
  await running;
  await expect(fetch(`${ready.endpoint}/v2/`)).rejects.toThrow();
  expect(process.listenerCount("SIGTERM")).toBe(0);
});

it("keeps a given data directory and its state across restarts", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ecr-local-keep-"));
  try {
    const first = await startLocalEcr({ dataDir, env: {} });
    await ecrClient(first).send(new CreateRepositoryCommand({ repositoryName: "kept" }));
    await first.close();
    expect(existsSync(dataDir)).toBe(true);
    const second = await startLocalEcr({ dataDir, env: {} });
    expect(second.repository("kept")?.uri).toBe(`${second.registry}/kept`);
    await second.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
