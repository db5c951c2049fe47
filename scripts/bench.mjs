// `pnpm bench`: measures ecr-push against plain docker on the same small push, side by side in one
// run, and writes a Markdown table to bench-results/push.md. Needs a Docker engine (started when
// missing, as the tests do). Medians of RUNS runs, each to a fresh repository so layers upload.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { buildTestImage, findOrStartDockerd } from "@ecr-push/testkit";

// The SDK's Node-version notice is not a result: keep it out of the table's output.
process.removeAllListeners("warning");

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CLI = path.resolve("packages/cli/dist/ecr-push.js");
const keys = {
  accessKeyId: "AKIABENCH00000000001",
  secretAccessKey: "bench-secret-key-0000000000000000000000",
};

function timed(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, ...result };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;

const engine = await findOrStartDockerd();
if (typeof engine === "string") {
  console.error(`bench: no Docker engine: ${engine}`);
  process.exit(1);
}
// The endpoint runs in its own process, as `ecr-push local`: timed commands block this one.
const localProcess = spawn(process.execPath, [CLI, "local", "--region", "us-east-1"], {
  env: { ...process.env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey },
  stdio: ["ignore", "pipe", "inherit"],
});
const local = JSON.parse(
  await new Promise((resolve, reject) => {
    createInterface({ input: localProcess.stdout }).once("line", resolve);
    localProcess.once("exit", (code) => reject(new Error(`ecr-push local exited with ${code}`)));
  }),
);
const ecr = new ECRClient({ region: local.region, endpoint: local.endpoint, credentials: keys });
const dockerEnv = { ...process.env, DOCKER_HOST: engine.host };
const baseEnv = {
  ...dockerEnv,
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  AWS_REGION: local.region,
  AWS_ENDPOINT_URL_ECR: local.endpoint,
  AWS_EC2_METADATA_DISABLED: "true",
};
const rows = [];
try {
  await buildTestImage(engine.host, "bench/five:1", { sizeBytes: 5 * 1024 * 1024 });
  const plain = [];
  const ours = [];
  for (let i = 0; i < RUNS; i++) {
    for (const name of [`bench/plain-${i}`, `bench/ecr-push-${i}`]) {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    }
    // Plain docker, as a pipeline script does it: login with a token fetched beforehand, tag, push.
    const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData[0]
      .authorizationToken;
    const password = Buffer.from(token, "base64").toString().split(":")[1];
    const config = mkdtempSync(path.join(tmpdir(), "bench-docker-"));
    const env = { ...dockerEnv, DOCKER_CONFIG: config };
    const target = `${local.registry}/bench/plain-${i}:v1`;
    const start = process.hrtime.bigint();
    for (const [args, input] of [
      [["login", "-u", "AWS", "--password-stdin", local.registry], password],
      [["tag", "bench/five:1", target]],
      [["push", "-q", target]],
    ]) {
      const r = spawnSync("docker", args, { env, input, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`docker ${args[0]} failed: ${r.stderr}`);
    }
    plain.push(Number(process.hrtime.bigint() - start) / 1e6);
    spawnSync("docker", ["image", "rm", target], { env });
    rmSync(config, { recursive: true, force: true });

    const run = timed(
      process.execPath,
      [CLI, "push", "bench/five:1", "-r", `bench/ecr-push-${i}`, "-t", "v1", "-q"],
      {
        env: baseEnv,
      },
    );
    if (run.status !== 0) throw new Error(`ecr-push failed: ${run.stderr}`);
    ours.push(run.ms);
  }
  const node0 = [];
  const failFast = [];
  const version = [];
  for (let i = 0; i < RUNS; i++) {
    node0.push(timed(process.execPath, ["-e", "0"]).ms);
    const bad = timed(process.execPath, [CLI, "push", "app", "-r", "Bad_Repo"], { env: baseEnv });
    if (bad.status !== 2) throw new Error(`expected exit 2 for bad input, got ${bad.status}: ${bad.stderr}`);
    failFast.push(bad.ms);
    version.push(timed(process.execPath, [CLI, "--version"]).ms);
  }
  const dist = path.resolve("packages/cli/dist");
  const files = readdirSync(dist, { recursive: true })
    .map((f) => path.join(dist, f))
    .filter((f) => statSync(f).isFile());
  const bundleBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  rows.push(
    ["plain docker login + tag + push (5 MB image)", fmt(median(plain)), "baseline"],
    ["ecr-push push (same image, token + describe + login + tag + push + cleanup)", fmt(median(ours)), ""],
    ["ecr-push own overhead over plain docker", fmt(median(ours) - median(plain)), "target at most 0.150 s"],
    ["node -e 0", fmt(median(node0)), "baseline"],
    [
      "ecr-push fail-fast on bad input (exit 2)",
      fmt(median(failFast)),
      `${(median(failFast) / median(node0)).toFixed(2)}x node -e 0, target at most 2x`,
    ],
    ["ecr-push --version", fmt(median(version)), "target under 0.150 s"],
    [
      "CLI bundle, all chunks",
      `${(bundleBytes / 1024).toFixed(0)} KiB`,
      "target under 1 MiB per host bundle",
    ],
  );
} finally {
  localProcess.kill("SIGTERM");
  await engine.stop();
}
const table = [
  `# ecr-push benchmark (${new Date().toISOString()}, ${RUNS} runs each, medians)`,
  "",
  "| what | time | note |",
  "| --- | --- | --- |",
  ...rows.map((r) => `| ${r.join(" | ")} |`),
  "",
].join("\n");
mkdirSync("bench-results", { recursive: true });
writeFileSync("bench-results/push.md", table);
console.log(table);
