// The main job, end to end, on this machine only: start the local ECR endpoint, build a small
// image, push it with the ecr-push CLI under two tags, and show the image URI and digest.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { runOk } from "@ecr-push/testkit";

const cli = path.resolve("packages/cli/dist/ecr-push.js");
const credentials = {
  AWS_ACCESS_KEY_ID: "AKIADEMO0000000000EX",
  AWS_SECRET_ACCESS_KEY: randomBytes(30).toString("base64"),
};

const local = spawn(process.execPath, [cli, "local"], {
  env: { ...process.env, ...credentials },
  stdio: ["ignore", "pipe", "inherit"],
});
const lines = createInterface({ input: local.stdout });
const ready = await new Promise((resolve, reject) => {
  lines.once("line", (line) => resolve(JSON.parse(line)));
  local.once("exit", (code) => reject(new Error(`ecr-push local exited with ${code}`)));
});
console.error(`demo: local ECR endpoint at ${ready.endpoint} (account ${ready.accountId}, ${ready.region})`);

const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-demo-"));
let code = 1;
try {
  writeFileSync(path.join(dir, "hello.txt"), `hello from ecr-push ${new Date().toISOString()}\n`);
  writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\nCOPY hello.txt /hello.txt\n");
  await runOk("docker", ["build", "-q", "-t", "ecr-push-demo/hello:1.0.0", dir], {
    env: { ...process.env, DOCKER_BUILDKIT: "0" },
  });
  console.error("demo: built ecr-push-demo/hello:1.0.0; pushing it:");
  const push = spawn(
    process.execPath,
    [
      cli,
      "push",
      "ecr-push-demo/hello:1.0.0",
      "--repository",
      "demo/hello",
      "--tag",
      "1.0.0",
      "--tag",
      "latest",
      "--create-repository",
      "--json",
    ],
    {
      env: { ...process.env, ...credentials, AWS_REGION: ready.region, AWS_ENDPOINT_URL_ECR: ready.endpoint },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  push.stdout.on("data", (d) => {
    out += d;
  });
  code = await new Promise((resolve) => push.on("close", (c) => resolve(c ?? 1)));
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
} finally {
  rmSync(dir, { recursive: true, force: true });
  await runOk("docker", ["image", "rm", "ecr-push-demo/hello:1.0.0"]).catch(() => {});
  local.kill("SIGTERM");
}
process.exitCode = code;
