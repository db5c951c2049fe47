// The main job, end to end, on this machine only: start the local ECR endpoint, make a small
// image, push it with the ecr-push CLI under two tags, and show the image URI and digest.
//
// With a Docker engine (DOCKER_HOST or the default socket, else a private dockerd when root can
// start one) the image is built with `docker build` and pushed from the engine. With none, the
// image is written in-process as an OCI image layout (scripts/lib/oci-layout.mjs) and pushed as
// `oci:DIR` by the daemonless engine: no Docker CLI or daemon is needed at all.
//
// ECR_PUSH_DEMO_DATA_DIR, when set, is where the local endpoint keeps its repositories (default: a
// temporary directory removed afterwards), so that a test can look at what was pushed.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { findOrStartDockerd, runOk } from "@ecr-push/testkit";
import { writeOciImageLayout } from "./lib/oci-layout.mjs";

const cli = path.resolve("packages/cli/dist/ecr-push.js");
const IMAGE = "ecr-push-demo/hello:1.0.0";
const credentials = {
  AWS_ACCESS_KEY_ID: "AKIADEMO0000000000EX",
  AWS_SECRET_ACCESS_KEY: randomBytes(30).toString("base64"),
};

/** A Docker engine handle, or why there is none (a private dockerd that fails to start is no error). */
async function dockerEngine() {
  try {
    return await findOrStartDockerd();
  } catch (error) {
    const message = String(error?.message ?? error)
      .replace(/\s*\n\s*/g, " ")
      .trim();
    return `a private dockerd did not start (${message})`;
  }
}

const engine = await dockerEngine();
const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-demo-"));
const children = new Set();
let cleaning;
/** Stops what the demo started and removes what it made; safe to call more than once. */
function cleanup() {
  cleaning ??= (async () => {
    await Promise.all(
      [...children].map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        return exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
    if (typeof engine !== "string") {
      await runOk("docker", ["image", "rm", IMAGE], {
        env: { ...process.env, DOCKER_HOST: engine.host },
      }).catch(() => {});
      await engine.stop();
    }
  })();
  return cleaning;
}
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
]) {
  process.once(signal, () => cleanup().finally(() => process.exit(code)));
}

let code = 1;
try {
  const dataDir = process.env.ECR_PUSH_DEMO_DATA_DIR;
  const local = spawn(process.execPath, [cli, "local", ...(dataDir ? ["--data-dir", dataDir] : [])], {
    env: { ...process.env, ...credentials },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(local);
  const lines = createInterface({ input: local.stdout });
  const ready = await new Promise((resolve, reject) => {
    lines.once("line", (line) => resolve(JSON.parse(line)));
    local.once("exit", (c) => reject(new Error(`ecr-push local exited with ${c}`)));
  });
  console.error(
    `demo: local ECR endpoint at ${ready.endpoint} (account ${ready.accountId}, ${ready.region})`,
  );

  const hello = `hello from ecr-push ${new Date().toISOString()}\n`;
  let source;
  const env = {
    ...process.env,
    ...credentials,
    AWS_REGION: ready.region,
    AWS_ENDPOINT_URL_ECR: ready.endpoint,
  };
  if (typeof engine === "string") {
    console.error(
      `demo: no Docker engine: ${engine}. Writing ${IMAGE} in-process as an OCI image layout instead and pushing it with the daemonless engine (no Docker needed).`,
    );
    const layout = path.join(dir, "layout");
    const { digest } = writeOciImageLayout(layout, { files: [{ name: "hello.txt", content: hello }] });
    source = `oci:${layout}`;
    console.error(`demo: wrote ${source} (manifest ${digest}); pushing it:`);
  } else {
    console.error(
      `demo: Docker engine at ${engine.host}${engine.owned ? " (a private dockerd started for this demo)" : ""}: building ${IMAGE} with docker build.`,
    );
    env.DOCKER_HOST = engine.host;
    writeFileSync(path.join(dir, "hello.txt"), hello);
    writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\nCOPY hello.txt /hello.txt\n");
    await runOk("docker", ["build", "-q", "-t", IMAGE, dir], { env: { ...env, DOCKER_BUILDKIT: "0" } });
    source = IMAGE;
    console.error(`demo: built ${IMAGE}; pushing it:`);
  }

  const push = spawn(
    process.execPath,
    [
      cli,
      "push",
      source,
      "--repository",
      "demo/hello",
      "--tag",
      "1.0.0",
      "--tag",
      "latest",
      "--create-repository",
      "--json",
    ],
    { env, stdio: ["ignore", "pipe", "inherit"] },
  );
  children.add(push);
  let out = "";
  push.stdout.on("data", (d) => {
    out += d;
  });
  code = await new Promise((resolve) => push.on("close", (c) => resolve(c ?? 1)));
  children.delete(push);
  if (code === 0) {
    const result = JSON.parse(out);
    console.log(`image URI: ${result.imageUri}`);
    console.log(`all URIs:  ${result.imageUris.join(", ")}`);
    console.log(`digest:    ${result.digest}`);
    console.log(
      `registry:  ${result.registry} (repository ${result.repositoryCreated ? "created" : "existed"})`,
    );
  } else {
    process.stdout.write(out);
  }
} catch (error) {
  console.error(`demo: ${error?.message ?? error}`);
} finally {
  await cleanup();
}
// Exit explicitly once stdout is flushed: a probe for a missing docker CLI leaves a spawn timer
// running (Node keeps the timeout of a child that failed to start), which would hold us ~2 minutes.
process.stdout.write("", () => process.exit(code));
