// The single-file CLI build (dist/single/ecr-push.mjs) on a machine that has Node.js and nothing
// else: the file is copied alone into an empty folder and run from there, with no Docker, no
// node_modules and no chunks beside it. It serves its own local endpoint (`ecr-push local`) and
// pushes an OCI layout to it with the daemonless engine; the real AWS SDK checks what arrived.
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { TEST_KEYS } from "@ecr-push/e2e";
import { run } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("../../", import.meta.url));
const ROOT = path.join(PACKAGE_DIR, "..", "..");
const SINGLE = path.join(PACKAGE_DIR, "dist", "single", "ecr-push.mjs");

type WriteOciImageLayout = (
  dir: string,
  image: { files: { name: string; content: string }[]; ref?: string },
) => { digest: string };

interface Ready {
  endpoint: string;
  registry: string;
  accountId: string;
  region: string;
}

describe("the single-file CLI (dist/single/ecr-push.mjs), alone in an empty folder", () => {
  const work = mkdtempSync(path.join(tmpdir(), "ecr-push-single-"));
  const bin = path.join(work, "bin");
  const file = path.join(bin, "ecr-push.mjs");
  const home = path.join(work, "home");
  const tmp = path.join(work, "tmp");
  /** A job with no Docker engine or CLI, no AWS settings of its own, and the test keys. */
  const env = {
    PATH: "/nonexistent",
    DOCKER_HOST: "unix:///nonexistent/docker.sock",
    HOME: home,
    USERPROFILE: home,
    TMPDIR: tmp,
    TEMP: tmp,
    TMP: tmp,
    AWS_ACCESS_KEY_ID: TEST_KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_KEYS.secretAccessKey,
  };
  let local: ChildProcess | undefined;

  beforeAll(() => {
    for (const dir of [bin, home, tmp]) mkdirSync(dir);
    copyFileSync(SINGLE, file);
  });
  afterAll(async () => {
    if (local && local.exitCode === null && local.signalCode === null) {
      const exited = new Promise((resolve) => local?.once("exit", resolve));
      local.kill("SIGTERM");
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  const single = (args: string[], extra: Record<string, string> = {}) =>
    run(process.execPath, [file, ...args], { cwd: bin, env: { ...env, ...extra } });

  it("is one file under the 1 MiB budget, with nothing to load from beside it", () => {
    expect(statSync(SINGLE).size).toBeLessThan(1024 * 1024);
    expect(readdirSync(bin)).toEqual(["ecr-push.mjs"]);
  });

  it("prints its version", async () => {
    const { version } = JSON.parse(readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as {
      version: string;
    };
    const result = await single(["--version"]);
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("fails fast on bad input with one sentence and exit code 2", async () => {
    const result = await single(["push", "web:1", "--repository", "Team/Web App"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'error: Invalid --repository "Team/Web App": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).\n',
    );
  });

  it("serves `local` and pushes an OCI layout to it with no Docker engine", async () => {
    const dataDir = path.join(work, "ecr-data");
    local = spawn(process.execPath, [file, "local", "--data-dir", dataDir, "--region", "eu-west-3"], {
      cwd: bin,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let localErr = "";
    local.stderr?.setEncoding("utf8").on("data", (d: string) => {
      localErr += d;
    });
    const ready = await new Promise<Ready>((resolve, reject) => {
      createInterface({ input: local?.stdout as NodeJS.ReadableStream }).once("line", (line) =>
        resolve(JSON.parse(line) as Ready),
      );
      local?.once("exit", (code) => reject(new Error(`ecr-push local exited with ${code}: ${localErr}`)));
    });
    expect(ready.region).toBe("eu-west-3");

    const { writeOciImageLayout } = (await import(
      pathToFileURL(path.join(ROOT, "scripts", "lib", "oci-layout.mjs")).href
    )) as { writeOciImageLayout: WriteOciImageLayout };
    const layout = path.join(work, "layout");
    const { digest } = writeOciImageLayout(layout, {
      files: [{ name: "hello.txt", content: "hello from the single-file CLI\n" }],
    });

    const push = await single(
      ["push", `oci:${layout}`, "-r", "single/hello", "-t", "1.0.0,latest", "--create-repository", "--json"],
      {
        AWS_REGION: ready.region,
        AWS_ENDPOINT_URL_ECR: ready.endpoint,
        AWS_ENDPOINT_URL_STS: ready.endpoint,
      },
    );
    expect(push.code, push.stderr).toBe(0);
    const doc = JSON.parse(push.stdout);
    expect(doc.digest).toBe(digest);
    expect(doc.repositoryCreated).toBe(true);
    expect(doc.imageUris).toEqual(["1.0.0", "latest"].map((t) => `${ready.registry}/single/hello:${t}`));
    expect(push.stderr).not.toMatch(/\n\s+at /);
    expect(push.stderr).not.toMatch(/^\(node:\d+\)/m);
    expect(push.stderr + push.stdout).not.toContain(TEST_KEYS.secretAccessKey);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(bin)).toEqual(["ecr-push.mjs"]);

    const ecr = new ECRClient({ region: ready.region, endpoint: ready.endpoint, credentials: TEST_KEYS });
    try {
      const described = await ecr.send(
        new DescribeImagesCommand({ repositoryName: "single/hello", imageIds: [{ imageDigest: digest }] }),
      );
      expect(described.imageDetails?.[0]?.imageTags?.sort()).toEqual(["1.0.0", "latest"]);
    } finally {
      ecr.destroy();
    }
  });
});
