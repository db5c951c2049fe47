import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { EcrFixture } from "@ecr-push/e2e";
import { buildTestImage, dockerForTests, listLocalTags } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "./harness.js";

const dockerHost = dockerForTests();

describe("ecr-push local", () => {
  it("prints one JSON line when ready, serves the SDK, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [CLI, "local", "--region", "ap-south-2"], {
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: "AKIALOCALTEST0000001",
        AWS_SECRET_ACCESS_KEY: "local-secret-1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const ready = JSON.parse(line);
    expect(ready).toMatchObject({ region: "ap-south-2", accountId: expect.stringMatching(/^\d{12}$/) });
    expect(ready.endpoint).toBe(`http://${ready.registry}`);
    const ecr = new ECRClient({
      region: "ap-south-2",
      endpoint: ready.endpoint,
      credentials: { accessKeyId: "AKIALOCALTEST0000001", secretAccessKey: "local-secret-1" },
    });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "svc/api" }));
    const described = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(described.repositories?.map((r) => r.repositoryName)).toEqual(["svc/api"]);
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  });
});

describe.runIf(dockerHost)("ecr-push push interrupted", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;
  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)(
    "cleans up temporary credentials and tags and exits on %s mid-push with %i",
    async (signal, code) => {
      const repository = `team/interrupted-${signal.toLowerCase()}`;
      await e2e.ecr().send(new CreateRepositoryCommand({ repositoryName: repository }));
      await buildTestImage(host, "e2e/interrupted:1", { sizeBytes: 96 * 1024 * 1024, layers: 3 });
      const tmp = mkdtempSync(path.join(tmpdir(), "ecr-push-e2e-sig-"));
      const home = mkdtempSync(path.join(tmpdir(), "ecr-push-e2e-sighome-"));
      try {
        const env = Object.fromEntries(
          Object.entries({ ...e2e.env(), HOME: home, TMPDIR: tmp }).filter(
            (e): e is [string, string] => !!e[1],
          ),
        );
        const child = spawn(process.execPath, [CLI, "push", "e2e/interrupted:1", "-r", repository], {
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        const pushing = new Promise<void>((resolve) => {
          child.stderr.setEncoding("utf8").on("data", (d: string) => {
            stderr += d;
            // docker is running: credentials and the target tag exist now.
            if (/Pushing|Preparing|Waiting/.test(stderr)) resolve();
          });
        });
        const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        await pushing;
        child.kill(signal);
        expect(await exit, stderr).toBe(code);
        expect(readdirSync(tmp)).toEqual([]);
        const tags = await listLocalTags(host);
        expect(tags.filter((t) => t.startsWith(e2e.local.registry))).toEqual([]);
        expect(tags).toContain("e2e/interrupted:1");
      } finally {
        rmSync(tmp, { recursive: true, force: true });
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
