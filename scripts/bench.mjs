// `pnpm bench`: ecr-push next to its peers on the same pushes, side by side in one run, written
// as Markdown tables to bench/results.md. Needs a Docker engine (started when missing, as the
// tests do). Medians of BENCH_RUNS runs (default 9); each push goes to a fresh repository so its
// layers really upload. Peers that are not installed are listed as such. Sections: small,
// daemonless, copy, local, compression, hosts, parts; BENCH_ONLY=local[,copy...] runs only those, BENCH_<NAME>=0 skips one.
import { spawn, spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { get as httpGet } from "node:http";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { buildTestImage, findOrStartDockerd } from "@ecr-push/testkit";
import { buildRealisticImages, saveImage } from "./lib/realistic-image.mjs";

// The SDK's Node-version notice is not a result: keep it out of the table's output.
process.removeAllListeners("warning");

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const CLI = path.resolve("packages/cli/dist/ecr-push.js");
/** The single-file build (packages/cli/build.mjs): the same CLI with every chunk inlined. */
const SINGLE = path.resolve("packages/cli/dist/single/ecr-push.mjs");
const IMAGE = "bench/five:1";
const keys = {
  accessKeyId: "AKIABENCH00000000001",
  secretAccessKey: "bench-secret-key-0000000000000000000000",
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(3)} s`;

/** Runs a command to completion and returns its wall time; throws with its stderr when it fails. */
function timed(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (options.expectStatus === undefined ? result.status !== 0 : result.status !== options.expectStatus) {
    throw new Error(
      `${path.basename(command)} ${args.slice(0, 2).join(" ")} exited ${result.status}: ${result.stderr || result.stdout}`,
    );
  }
  return { ms, stdout: result.stdout };
}

function installed(command) {
  return spawnSync(command, ["--version"], { encoding: "utf8" }).status === 0;
}

/** Runs a command, timed, with its peak RSS in MiB (NaN without GNU time); throws when it fails. */
function measured(command, args, env) {
  const useTime = installed("/usr/bin/time");
  const start = process.hrtime.bigint();
  const result = spawnSync(
    useTime ? "/usr/bin/time" : command,
    useTime ? ["-f", "rss-kib=%M", command, ...args] : args,
    { encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(`${path.basename(command)} exited ${result.status}: ${result.stderr}`);
  const mib = Number(/rss-kib=(\d+)/.exec(result.stderr ?? "")?.[1] ?? Number.NaN) / 1024;
  return { ms, mib };
}

/** Sections by name, for BENCH_ONLY=name[,name]; each but the first has its own BENCH_X=0 to skip it. */
const SECTIONS = [
  { name: "small", run: smallSection },
  { name: "daemonless", skip: "BENCH_DAEMONLESS", run: daemonlessSection },
  { name: "copy", skip: "BENCH_COPY", run: copySection },
  { name: "local", skip: "BENCH_LOCAL", run: localSection },
  { name: "compression", skip: "BENCH_COMPRESSION", run: compressionSection },
  { name: "hosts", skip: "BENCH_HOSTS", run: hostsSection },
  { name: "parts", skip: "BENCH_PARTS", run: partsSection },
];
const only = process.env.BENCH_ONLY?.split(",")
  .map((name) => name.trim())
  .filter(Boolean);
const unknown = only?.filter((name) => !SECTIONS.some((section) => section.name === name)) ?? [];
if (unknown.length) {
  console.error(
    `bench: unknown BENCH_ONLY section ${unknown.join(", ")}; the sections are ${SECTIONS.map((x) => x.name).join(", ")}`,
  );
  process.exit(2);
}
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

/** `skopeo copy` into a loopback registry over plain HTTP, timed; skopeo 1.9 does not read DOCKER_HOST. */
function skopeoCopy(creds, from, to, env, extra = []) {
  const args = [
    "copy",
    "-q",
    "--src-daemon-host",
    engine.host,
    "--dest-tls-verify=false",
    "--dest-creds",
    creds,
  ];
  return timed("skopeo", [...args, ...extra, from, to], { env });
}
const awsEnv = {
  ...dockerEnv,
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  AWS_REGION: local.region,
  AWS_ENDPOINT_URL_ECR: local.endpoint,
  AWS_EC2_METADATA_DISABLED: "true",
};

async function password() {
  const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData[0]
    .authorizationToken;
  return Buffer.from(token, "base64").toString().split(":")[1];
}

/** docker login (password on stdin) + tag + push into a private DOCKER_CONFIG, as a pipeline script does. */
function dockerLoginTagPush(pass, repository, image = IMAGE, { registry = local.registry, tag = "v1" } = {}) {
  const config = mkdtempSync(path.join(tmpdir(), "bench-docker-"));
  const env = { ...dockerEnv, DOCKER_CONFIG: config };
  const target = `${registry}/${repository}:${tag}`;
  try {
    let ms = timed("docker", ["login", "-u", "AWS", "--password-stdin", registry], {
      env,
      input: pass,
    }).ms;
    ms += timed("docker", ["tag", image, target], { env }).ms;
    ms += timed("docker", ["push", "-q", target], { env }).ms;
    return ms;
  } finally {
    spawnSync("docker", ["image", "rm", target], { env });
    rmSync(config, { recursive: true, force: true });
  }
}

/** Each contender pushes the same image to its own fresh repository per run. */
const contenders = [
  {
    name: "plain docker login + tag + push (token fetched beforehand, not timed)",
    run: async (repo) => dockerLoginTagPush(await password(), repo),
  },
  {
    name: "ecr-push push (default engine)",
    run: async (repo) =>
      timed(process.execPath, [CLI, "push", IMAGE, "-r", repo, "-t", "v1", "-q"], { env: awsEnv }).ms,
  },
  {
    name: "aws ecr get-login-password + docker login + tag + push (AWS CLI v2)",
    available: installed("/usr/bin/aws") ? undefined : "not installed (apt-get install awscli)",
    run: async (repo) => {
      const token = timed("/usr/bin/aws", ["ecr", "get-login-password", "--endpoint-url", local.endpoint], {
        env: awsEnv,
      });
      return token.ms + dockerLoginTagPush(token.stdout.trim(), repo);
    },
  },
  {
    name: "skopeo copy docker-daemon: to docker:// (token fetched beforehand, not timed)",
    available: installed("skopeo") ? undefined : "not installed (apt-get install skopeo)",
    run: async (repo) => {
      const creds = `AWS:${await password()}`;
      return skopeoCopy(creds, `docker-daemon:${IMAGE}`, `docker://${local.registry}/${repo}:v1`, dockerEnv)
        .ms;
    },
  },
];

/**
 * The daemonless section (issue 4): the same 4 x 128 MiB random-layer image pushed from a
 * `docker save` archive by ecr-push (its default gzip, which stores pieces that do not compress),
 * by skopeo (same archive, gzip level 1) and by docker push,
 * each cold (fresh repository) and warm (the same push again). Written to bench/results.md as
 * a second section. BENCH_BIG_RUNS (default 3) runs each, medians.
 */
async function daemonlessSection() {
  const runs = Number(process.env.BENCH_BIG_RUNS ?? 3);
  const image = "bench/big:1";
  const dir = mkdtempSync(path.join(tmpdir(), "bench-archive-"));
  const archive = path.join(dir, "big.tar");
  await buildTestImage(engine.host, image, { sizeBytes: 4 * 128 * 1024 * 1024, layers: 4 });
  timed("docker", ["save", "-o", archive, image], { env: dockerEnv });
  const skopeoArgs = async (repo) => [
    "copy",
    "-q",
    "--dest-tls-verify=false",
    "--dest-creds",
    `AWS:${await password()}`,
    "--dest-compress-format",
    "gzip",
    "--dest-compress-level",
    "1",
    `docker-archive:${archive}`,
    `docker://${local.registry}/${repo}:v1`,
  ];
  const big = [
    {
      name: "ecr-push push docker-archive: (daemonless; gzip, random pieces stored)",
      push: async (repo) =>
        measured(
          process.execPath,
          [CLI, "push", `docker-archive:${archive}`, "-r", repo, "-t", "v1", "-q"],
          awsEnv,
        ),
    },
    {
      name: "skopeo copy docker-archive: to docker:// (gzip level 1; token fetched beforehand, not timed)",
      available: installed("skopeo") ? undefined : "not installed (apt-get install skopeo)",
      push: async (repo) => measured("skopeo", await skopeoArgs(repo), dockerEnv),
    },
    {
      name: "docker login + tag + push from the engine (token fetched beforehand, not timed)",
      push: async (repo) => ({ ms: dockerLoginTagPush(await password(), repo, image), mib: Number.NaN }),
    },
  ];
  const results = big.map(() => ({ cold: [], warm: [], mib: [] }));
  try {
    for (let i = 0; i < runs; i++) {
      for (const [n, contender] of big.entries()) {
        if (contender.available) continue;
        const repo = `bench/big-c${n}-r${i}`;
        await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
        const cold = await contender.push(repo);
        const warm = await contender.push(repo);
        results[n].cold.push(cold.ms);
        results[n].warm.push(warm.ms);
        results[n].mib.push(Math.max(cold.mib, warm.mib));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    spawnSync("docker", ["image", "rm", image], { env: dockerEnv });
  }
  const skopeoCold = results[1].cold.length ? median(results[1].cold) : Number.NaN;
  const twoGiB = process.env.BENCH_2GB === "0" ? undefined : await oneBigLayer();
  const lines = big.map((contender, n) => {
    if (contender.available) return `| ${contender.name} | - | - | - | ${contender.available} |`;
    const { cold, warm, mib } = results[n];
    const peak = mib.every(Number.isNaN)
      ? "-"
      : `${Math.max(...mib.filter((m) => !Number.isNaN(m))).toFixed(0)} MiB`;
    const note =
      n === 0
        ? `${(median(cold) / skopeoCold).toFixed(2)}x skopeo cold (target: at most 0.8x); warm target: under 0.3 s; the RSS target, under 150 MB, is for one 2 GiB layer (below)`
        : "";
    return `| ${contender.name} | ${seconds(median(cold))} | ${seconds(median(warm))} | ${peak} | ${note} |`;
  });
  const cpus = os.cpus();
  return [
    `## Daemonless push (issue 4): 4 random layers of 128 MiB, ${runs} runs each, medians`,
    "",
    `Machine: ${cpus.length} x ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}; registry: ecr-push local on loopback.`,
    "",
    "| what | cold push | warm re-push | peak RSS | note |",
    "| --- | --- | --- | --- | --- |",
    ...lines,
    ...(twoGiB ? [twoGiB] : []),
    "",
  ].join("\n");
}

/**
 * The issue's memory target: one 2 GiB random layer pushed from a docker-archive, peak RSS under
 * 150 MB. The layer file is written in 8 MiB pieces so the bench itself stays small. BENCH_2GB=0
 * skips it (about a minute here, most of it docker build and docker save).
 */
async function oneBigLayer() {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-2gib-"));
  const image = "bench/two-gib:1";
  try {
    const piece = Buffer.alloc(8 * 1024 * 1024);
    const fd = openSync(path.join(dir, "layer.bin"), "w");
    for (let i = 0; i < 256; i++) writeSync(fd, randomFillSync(piece));
    closeSync(fd);
    writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\nCOPY layer.bin /layer.bin\n");
    timed("docker", ["build", "-q", "-t", image, dir], { env: { ...dockerEnv, DOCKER_BUILDKIT: "0" } });
    rmSync(path.join(dir, "layer.bin"));
    const archive = path.join(dir, "two-gib.tar");
    timed("docker", ["save", "-o", archive, image], { env: dockerEnv });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "bench/two-gib" }));
    const run = measured(
      process.execPath,
      [CLI, "push", `docker-archive:${archive}`, "-r", "bench/two-gib", "-q"],
      awsEnv,
    );
    return `| ecr-push push docker-archive: with one 2 GiB random layer (1 run) | ${seconds(run.ms)} | - | ${run.mib.toFixed(0)} MiB | RSS target: under 150 MB |`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    spawnSync("docker", ["image", "rm", image], { env: dockerEnv });
  }
}

/** Starts another `ecr-push local` (its own account and region) and returns its ready line and process. */
async function startLocal(args) {
  const child = spawn(process.execPath, [CLI, "local", ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = JSON.parse(
    await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`ecr-push local exited with ${code}`)));
    }),
  );
  return { ...ready, child };
}

/** The registry password of a local endpoint. */
async function passwordOf(endpoint) {
  const client = new ECRClient({ region: endpoint.region, endpoint: endpoint.endpoint, credentials: keys });
  const token = (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData[0]
    .authorizationToken;
  client.destroy();
  return Buffer.from(token, "base64").toString().split(":")[1];
}

/**
 * The retag and promote section (issue 8): a BENCH_COPY_MB (default 500) MB image in the first
 * local endpoint; retag it there (no blob moves), then promote it to a second endpoint (another
 * account and region) next to `skopeo copy docker:// docker://` between the same two registries,
 * each to a fresh repository (cold) and again (warm). Medians of BENCH_COPY_RUNS (default 3).
 */
async function copySection() {
  const runs = Number(process.env.BENCH_COPY_RUNS ?? 3);
  const mb = Number(process.env.BENCH_COPY_MB ?? 500);
  const image = "bench/copy:1";
  const second = await startLocal(["--region", "eu-west-1", "--account-id", "210987654321"]);
  const sourceEnv = awsEnv;
  const targetEnv = { ...awsEnv, AWS_ENDPOINT_URL_ECR: second.endpoint, AWS_REGION: second.region };
  const secondEcr = new ECRClient({ region: second.region, endpoint: second.endpoint, credentials: keys });
  try {
    await buildTestImage(engine.host, image, { sizeBytes: mb * 1024 * 1024, layers: 4 });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "bench/copy" }));
    timed(process.execPath, [CLI, "push", image, "-r", "bench/copy", "-t", "v1", "-q"], { env: sourceEnv });
    const source = `${local.accountId}.dkr.ecr.${local.region}.amazonaws.com/bench/copy:v1`;
    const retag = [];
    const ours = { cold: [], warm: [] };
    const skopeo = { cold: [], warm: [] };
    const hasSkopeo = installed("skopeo");
    // crane (go-containerregistry) has no Debian package; measured when someone installed it.
    const hasCrane = spawnSync("crane", ["version"], { encoding: "utf8" }).status === 0;
    const crane = { cold: [], warm: [] };
    for (let i = 0; i < runs; i++) {
      retag.push(
        timed(process.execPath, [CLI, "retag", "bench/copy:v1", "-t", `r${i}`, "-q"], { env: sourceEnv }).ms,
      );
      const promote = (repo) =>
        timed(
          process.execPath,
          [CLI, "promote", source, "--source-endpoint-url", local.endpoint, "-r", repo, "-t", "v1", "-q"],
          { env: targetEnv },
        ).ms;
      const repo = `bench/promote-r${i}`;
      await secondEcr.send(new CreateRepositoryCommand({ repositoryName: repo }));
      ours.cold.push(promote(repo));
      ours.warm.push(promote(repo));
      if (hasSkopeo) {
        const skopeoRepo = `bench/skopeo-r${i}`;
        await secondEcr.send(new CreateRepositoryCommand({ repositoryName: skopeoRepo }));
        const args = [
          "copy",
          "-q",
          "--src-tls-verify=false",
          "--dest-tls-verify=false",
          "--src-creds",
          `AWS:${await passwordOf(local)}`,
          "--dest-creds",
          `AWS:${await passwordOf(second)}`,
          `docker://${local.registry}/bench/copy:v1`,
          `docker://${second.registry}/${skopeoRepo}:v1`,
        ];
        skopeo.cold.push(timed("skopeo", args, { env: dockerEnv }).ms);
        skopeo.warm.push(timed("skopeo", args, { env: dockerEnv }).ms);
      }
      if (hasCrane) {
        // crane reads registry credentials from a Docker config only.
        const config = mkdtempSync(path.join(tmpdir(), "bench-crane-"));
        const auth = async (l) => Buffer.from(`AWS:${await passwordOf(l)}`).toString("base64");
        writeFileSync(
          path.join(config, "config.json"),
          JSON.stringify({
            auths: {
              [local.registry]: { auth: await auth(local) },
              [second.registry]: { auth: await auth(second) },
            },
          }),
        );
        const craneRepo = `bench/crane-r${i}`;
        await secondEcr.send(new CreateRepositoryCommand({ repositoryName: craneRepo }));
        const args = [
          "copy",
          "--insecure",
          `${local.registry}/bench/copy:v1`,
          `${second.registry}/${craneRepo}:v1`,
        ];
        const env = { ...dockerEnv, DOCKER_CONFIG: config };
        try {
          crane.cold.push(timed("crane", args, { env }).ms);
          crane.warm.push(timed("crane", args, { env }).ms);
        } finally {
          rmSync(config, { recursive: true, force: true });
        }
      }
    }
    const vsSkopeo = (ms, of) =>
      of.length ? `${(ms / median(of)).toFixed(2)}x skopeo` : "skopeo not installed";
    return [
      `## Retag and promote (issue 8): a ${mb} MB image (4 random layers), ${runs} runs each, medians`,
      "",
      "| what | cold | warm (again) | note |",
      "| --- | --- | --- | --- |",
      `| ecr-push retag (BatchGetImage + PutImage, end to end) | ${seconds(median(retag))} | - | target: under 0.3 s |`,
      `| ecr-push promote, ECR to ECR across accounts and regions (local endpoints) | ${seconds(median(ours.cold))} | ${seconds(median(ours.warm))} | cold ${vsSkopeo(median(ours.cold), skopeo.cold)} (target: at most 1x); warm ${vsSkopeo(median(ours.warm), skopeo.warm)} |`,
      hasSkopeo
        ? `| skopeo copy docker:// to docker:// (tokens fetched beforehand, not timed) | ${seconds(median(skopeo.cold))} | ${seconds(median(skopeo.warm))} | baseline |`
        : "| skopeo copy docker:// to docker:// | - | - | not installed (apt-get install skopeo) |",
      hasCrane
        ? `| crane copy (credentials from a Docker config) | ${seconds(median(crane.cold))} | ${seconds(median(crane.warm))} | |`
        : "| crane copy | - | - | not installed (no Debian package) |",
      "",
    ].join("\n");
  } finally {
    secondEcr.destroy();
    second.child.kill("SIGTERM");
    spawnSync("docker", ["image", "rm", image], { env: dockerEnv });
  }
}

/**
 * The local-image section (issue 14): a realistic image (scripts/lib/realistic-image.mjs: binaries,
 * text, JavaScript and a 1 MiB app layer, freshly salted each run) pushed from the engine by
 * ecr-push (its default engine, and --engine docker) next to plain docker push, each into its own
 * repository: a cold push; v2 into a repository that already holds v1, seeded by skopeo so that
 * only the registry knows v1; the same from docker-archive files; and a re-run where every tag is
 * already there. The endpoint counts the bytes each push sent (GET /_ecr-local/stats). Medians of
 * BENCH_RUNS runs; a row whose command fails shows its error and the section goes on.
 * BENCH_ONLY=local runs this section alone.
 */
async function localSection() {
  const endpoint = await startLocal(["--region", "us-east-1"]);
  const client = new ECRClient({ region: endpoint.region, endpoint: endpoint.endpoint, credentials: keys });
  const dir = mkdtempSync(path.join(tmpdir(), "bench-local-"));
  const { baseEnv, env } = endpointEnv(endpoint);
  const create = (repositoryName) => client.send(new CreateRepositoryCommand({ repositoryName }));
  const stats = () => registryStats(endpoint);
  let caches = 0;
  // A fresh ecr-push cache folder stands for a fresh runner: nothing is known but what the registry holds.
  const freshCache = () => {
    const cache = path.join(dir, `cache-${caches++}`);
    mkdirSync(cache);
    return cache;
  };
  const ecrPush = (source, repo, tag, extra, cache) =>
    timed(process.execPath, [CLI, "push", source, "-r", repo, "-t", tag, "-q", ...extra], {
      env: { ...env, ECR_PUSH_CACHE_DIR: cache, XDG_CACHE_HOME: cache },
    }).ms;
  const pass = await passwordOf(endpoint);
  const copyTo = (from, to, extra = []) =>
    skopeoCopy(`AWS:${pass}`, from, `docker://${endpoint.registry}/${to}`, baseEnv, extra);
  const contenders = [
    {
      id: "ours",
      name: "ecr-push push IMAGE (default engine)",
      push: (image, repo, tag, cache) => ecrPush(image, repo, tag, [], cache),
    },
    {
      id: "engine-docker",
      name: "ecr-push push IMAGE --engine docker",
      push: (image, repo, tag, cache) => ecrPush(image, repo, tag, ["--engine", "docker"], cache),
    },
    {
      id: "docker",
      name: "plain docker login + tag + push (token fetched beforehand, not timed)",
      push: (image, repo, tag) => dockerLoginTagPush(pass, repo, image, { registry: endpoint.registry, tag }),
    },
  ];
  /** Row id -> times (ms), bytes received by the registry, and the first error. */
  const results = new Map();
  const record = async (id, push) => {
    const result = results.get(id) ?? { ms: [], bytes: [], error: undefined };
    results.set(id, result);
    const before = await stats();
    try {
      result.ms.push(await push());
    } catch (error) {
      result.error ??= String(error.message ?? error)
        .split("\n")
        .find((line) => line.trim())
        ?.trim()
        .slice(0, 300);
      return false;
    }
    const after = await stats();
    if (before && after) result.bytes.push(after.blobBytesReceived - before.blobBytesReceived);
    return true;
  };
  const info = spawnSync(
    "docker",
    ["info", "--format", "{{.ServerVersion}} {{.Driver}} {{json .DriverStatus}}"],
    {
      encoding: "utf8",
      env: baseEnv,
    },
  ).stdout.trim();
  let exportMs = Number.NaN;
  let layers = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      // Each run rotates who goes first, so no contender always meets a cold page cache or a warm one.
      const order = contenders.map((_, k) => contenders[(k + i) % contenders.length]);
      const images = buildRealisticImages({ dockerHost: engine.host, name: `bench/realistic-r${i}` });
      layers = images.layers;
      try {
        if (i === 0) {
          // The export's cost, once: what a push that starts from `docker save` cannot go below.
          const devNull = openSync("/dev/null", "w");
          try {
            exportMs = timed("docker", ["save", images.v1], {
              env: baseEnv,
              stdio: ["ignore", devNull, "pipe"],
            }).ms;
          } finally {
            closeSync(devNull);
          }
        }
        // 1. Cold: a fresh repository, an image no cache knows.
        for (const c of order) {
          const repo = `bench/local-cold-${c.id}-r${i}`;
          await create(repo);
          await record(`cold-${c.id}`, () => c.push(images.v1, repo, "v1", freshCache()));
        }
        // 2. v2 where only the registry knows v1: skopeo seeds one repository from the engine,
        // then copies that v1 (the same blobs) into each contender's repository.
        const seed = `bench/local-seed-r${i}`;
        await create(seed);
        copyTo(`docker-daemon:${images.v1}`, `${seed}:v1`);
        const v2Repos = new Map();
        for (const c of order) {
          const repo = `bench/local-v2-${c.id}-r${i}`;
          await create(repo);
          copyTo(`docker://${endpoint.registry}/${seed}:v1`, `${repo}:v1`, [
            "--src-tls-verify=false",
            "--src-creds",
            `AWS:${pass}`,
          ]);
          const cache = freshCache();
          if (await record(`v2-${c.id}`, () => c.push(images.v2, repo, "v2", cache)))
            v2Repos.set(c.id, { repo, cache });
        }
        // 3. The same from docker-archive files (saved beforehand, not timed).
        const archives = { v1: path.join(dir, `v1-r${i}.tar`), v2: path.join(dir, `v2-r${i}.tar`) };
        saveImage(engine.host, images.v1, archives.v1);
        saveImage(engine.host, images.v2, archives.v2);
        const archiveCold = `bench/local-archive-cold-r${i}`;
        await create(archiveCold);
        await record("archive-cold", () =>
          ecrPush(`docker-archive:${archives.v2}`, archiveCold, "v2", [], freshCache()),
        );
        const archiveV2 = `bench/local-archive-v2-r${i}`;
        await create(archiveV2);
        copyTo(`docker-archive:${archives.v1}`, `${archiveV2}:v1`);
        await record("archive-v2", () =>
          ecrPush(`docker-archive:${archives.v2}`, archiveV2, "v2", [], freshCache()),
        );
        rmSync(archives.v1);
        rmSync(archives.v2);
        // 4. The re-run: the same push of v2 again, by the same runner (same cache folder).
        for (const c of order) {
          const done = v2Repos.get(c.id);
          if (done) await record(`rerun-${c.id}`, () => c.push(images.v2, done.repo, "v2", done.cache));
        }
      } finally {
        images.remove();
      }
    }
  } finally {
    client.destroy();
    endpoint.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }

  const MiB = 1024 * 1024;
  const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
  const timeOf = (id) => {
    const r = results.get(id);
    return r?.ms.length ? median(r.ms) : Number.NaN;
  };
  const row = (id, name, { baseline, exportShare = false, note = "" }) => {
    const r = results.get(id);
    if (!r)
      return `| ${name} | not run | - | - | - | ${[note, "what it repeats failed"].filter(Boolean).join("; ")} |`;
    const failed = r.error ? `failed: ${r.error.replaceAll("|", "\\|")}` : "";
    if (!r.ms.length)
      return `| ${name} | failed | - | - | - | ${[failed, note].filter(Boolean).join("; ")} |`;
    const ms = median(r.ms);
    const base = baseline ? timeOf(baseline) : Number.NaN;
    const ratio = baseline === id ? "baseline" : Number.isNaN(base) ? "-" : `${(ms / base).toFixed(2)}x`;
    const bytes = r.bytes.length ? mib(median(r.bytes)) : "-";
    const share = exportShare && !Number.isNaN(exportMs) ? `${((exportMs / ms) * 100).toFixed(0)}%` : "-";
    const partial = r.ms.length < RUNS ? `${r.ms.length} of ${RUNS} runs` : "";
    return `| ${name} | ${seconds(ms)} | ${ratio} | ${bytes} | ${share} | ${[note, partial, failed].filter(Boolean).join("; ")} |`;
  };
  const group = (prefix, what, baseline, notes = {}) =>
    contenders.map((c) =>
      row(`${prefix}-${c.id}`, `${what}: ${c.name}`, {
        baseline: `${prefix}-${baseline}`,
        // A re-run that finds every tag in place has nothing to export.
        exportShare: c.id === "ours" && prefix !== "rerun",
        note: notes[c.id] ?? "",
      }),
    );
  const sizes = layers.map((l) => `${l.name} ${(l.bytes / 1e6).toFixed(0)} MB`).join(", ");
  return [
    `## Local images on realistic layers (issue 14): ${RUNS === 1 ? "1 run" : `${RUNS} runs each, medians`}`,
    "",
    `Image: FROM scratch + COPY of this machine's files, layers ${sizes} (scripts/lib/realistic-image.mjs); v2 differs from v1 in the app layer only. Engine: Docker ${info}. \`docker save\` of v1 to /dev/null: ${seconds(exportMs)} (export share: that time over the row's time, for the default engine's rows that push an image).`,
    "",
    "| what | time | vs plain docker | bytes the registry received | export share | note |",
    "| --- | --- | --- | --- | --- | --- |",
    ...group("cold", "cold push of a fresh local image (v1), fresh repository", "docker"),
    ...group("v2", "v2 into a repository holding v1 (seeded by skopeo)", "docker", {
      docker:
        "docker never pushed into this repository and skopeo's compressed digests are not docker's, so docker finds none of v1's layers there: a runner that never saw v1",
    }),
    row("archive-cold", "cold push of docker-archive:v2.tar, fresh repository", {
      baseline: "cold-docker",
      note: "ratio against plain docker's cold push of the local v1",
    }),
    row("archive-v2", "docker-archive:v2.tar into a repository holding v1 (seeded by skopeo from v1.tar)", {
      baseline: "archive-cold",
      note: "ratio against the cold push of the same archive (target: at most 0.3x)",
    }),
    ...group("rerun", "re-run: the same push of v2 again, every tag already there", "docker", {
      ours: "end to end from process start (target: under 0.3 s)",
      docker: "docker knows every layer there: it pushed them",
    }),
    "",
    "Engine state: each run builds a freshly salted image, so no builder, registry or distribution cache knows its layers; the page cache is warm (the image was just built). Each ecr-push push gets a fresh, empty ECR_PUSH_CACHE_DIR (a fresh runner), but the re-run reuses its v2 push's. In the cold rows a docker-based push that is not first in its run meets layers docker already pushed to another repository; cross-repository mounts are off at the endpoint, so it uploads them again. The contenders' order rotates between runs. NODE_EXTRA_CA_CERTS is unset for every command, as on CI runners. Registry: ecr-push local on loopback; bytes are blob bytes it received during the push.",
    "",
  ].join("\n");
}

/**
 * The environment of commands against a local endpoint: `baseEnv` without NODE_EXTRA_CA_CERTS
 * (CI runners do not set it, it costs every Node start about 80 ms here, and the endpoint is plain
 * HTTP on loopback), and `env` with the endpoint's keys and URL on top.
 */
function endpointEnv(endpoint) {
  const { NODE_EXTRA_CA_CERTS: _ca, ...baseEnv } = dockerEnv;
  const env = {
    ...baseEnv,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_REGION: endpoint.region,
    AWS_ENDPOINT_URL_ECR: endpoint.endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return { baseEnv, env };
}

/**
 * What a local endpoint has counted (GET /_ecr-local/stats), or undefined. A new connection per
 * request: a pooled one may have been closed by the endpoint while a timed command blocked this
 * process, and fetch would fail on it.
 */
function registryStats(endpoint) {
  return new Promise((resolve) => {
    const request = httpGet(`${endpoint.endpoint}/_ecr-local/stats`, { agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => {
        try {
          resolve(response.statusCode === 200 ? JSON.parse(body) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    request.on("error", () => resolve(undefined));
  });
}

/**
 * The compression section (issue 17): a realistic image (scripts/lib/realistic-image.mjs, salted
 * each run) saved to a docker-archive beforehand, pushed cold into fresh repositories by ecr-push
 * (gzip, the default, and zstd) and by skopeo from the same file (its default gzip, gzip level 1,
 * and zstd), in an order that rotates between runs. Time, peak RSS and the blob bytes the
 * registry received, against skopeo's default. Then one 2 GiB layer with each codec: the memory
 * target. BENCH_ONLY=compression runs this section alone; BENCH_2GB=0 skips the 2 GiB layer.
 */
async function compressionSection() {
  const endpoint = await startLocal(["--region", "us-east-1"]);
  const client = new ECRClient({ region: endpoint.region, endpoint: endpoint.endpoint, credentials: keys });
  const dir = mkdtempSync(path.join(tmpdir(), "bench-compression-"));
  const { baseEnv, env: endpointVars } = endpointEnv(endpoint);
  const env = (cache) => ({ ...endpointVars, ECR_PUSH_CACHE_DIR: cache });
  const pass = await passwordOf(endpoint);
  let repos = 0;
  const push = (contender, archive) => {
    const repo = `bench/compression-${contender.id}-${repos++}`;
    const cache = path.join(dir, `cache-${repos}`);
    mkdirSync(cache);
    return { repo, run: () => contender.push(archive, repo, cache) };
  };
  const ours = (id, name, extra, note = "") => ({
    id,
    name,
    note,
    push: (archive, repo, cache) =>
      measured(
        process.execPath,
        [CLI, "push", `docker-archive:${archive}`, "-r", repo, "-q", ...extra],
        env(cache),
      ),
  });
  const skopeo = (id, name, extra, note = "") => ({
    id,
    name,
    note,
    push: (archive, repo) =>
      measured(
        "skopeo",
        [
          "copy",
          "-q",
          "--dest-tls-verify=false",
          "--dest-creds",
          `AWS:${pass}`,
          ...extra,
          `docker-archive:${archive}`,
          `docker://${endpoint.registry}/${repo}:v1`,
        ],
        baseEnv,
      ),
  });
  const contenders = [
    ours(
      "gzip",
      "ecr-push push docker-archive: (gzip, the default)",
      [],
      "target: at most 0.8x skopeo's time, at most 1.05x its bytes",
    ),
    ours("zstd", "ecr-push push docker-archive: --compression zstd", ["--compression", "zstd"]),
    skopeo("skopeo", "skopeo copy docker-archive: to docker:// (its default: gzip)", [], "baseline"),
    skopeo("skopeo-gzip1", "skopeo copy ... --dest-compress-level 1", [
      "--dest-compress-format",
      "gzip",
      "--dest-compress-level",
      "1",
    ]),
    skopeo("skopeo-zstd", "skopeo copy ... --dest-compress-format zstd", ["--dest-compress-format", "zstd"]),
  ].filter((c) => (c.id.startsWith("skopeo") ? installed("skopeo") : true));
  const results = new Map(contenders.map((c) => [c.id, { ms: [], bytes: [], mib: [] }]));
  let layers = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const images = buildRealisticImages({ dockerHost: engine.host, name: `bench/compression-r${i}` });
      layers = images.layers;
      const archive = path.join(dir, `v1-r${i}.tar`);
      try {
        saveImage(engine.host, images.v1, archive);
      } finally {
        images.remove();
      }
      for (let k = 0; k < contenders.length; k++) {
        const contender = contenders[(k + i) % contenders.length];
        const { repo, run } = push(contender, archive);
        await client.send(new CreateRepositoryCommand({ repositoryName: repo }));
        const before = await registryStats(endpoint);
        const result = run();
        const after = await registryStats(endpoint);
        const r = results.get(contender.id);
        r.ms.push(result.ms);
        r.mib.push(result.mib);
        if (before && after) r.bytes.push(after.blobBytesReceived - before.blobBytesReceived);
      }
      rmSync(archive);
    }
    const twoGiB =
      process.env.BENCH_2GB === "0"
        ? []
        : await twoGiBLayer(dir, (id, archive) => {
            const contender = contenders.find((c) => c.id === id);
            const { repo, run } = push(contender, archive);
            return client.send(new CreateRepositoryCommand({ repositoryName: repo })).then(run);
          });
    const base = results.get("skopeo");
    const baseMs = base?.ms.length ? median(base.ms) : Number.NaN;
    const baseBytes = base?.bytes.length ? median(base.bytes) : Number.NaN;
    const MB = 1e6;
    const lines = contenders.map((c) => {
      const r = results.get(c.id);
      const ms = median(r.ms);
      const bytes = r.bytes.length ? median(r.bytes) : Number.NaN;
      const peak = r.mib.every(Number.isNaN) ? "-" : `${Math.max(...r.mib).toFixed(0)} MiB`;
      return `| ${c.name} | ${seconds(ms)} | ${(ms / baseMs).toFixed(2)}x | ${(bytes / MB).toFixed(2)} MB | ${(bytes / baseBytes).toFixed(3)}x | ${peak} | ${c.note} |`;
    });
    const cpus = os.cpus();
    const sizes = layers.map((l) => `${l.name} ${(l.bytes / MB).toFixed(0)} MB`).join(", ");
    return [
      `## Compression on realistic layers (issue 17): ${RUNS === 1 ? "1 run" : `${RUNS} runs each, medians`}`,
      "",
      `Image: layers ${sizes} (scripts/lib/realistic-image.mjs, salted each run), pushed cold from a docker save archive written just before (page cache warm) into a fresh repository, with a fresh ecr-push cache. Machine: ${cpus.length} x ${cpus[0]?.model ?? "unknown CPU"}, Node ${process.version}, skopeo ${spawnSync(
        "skopeo",
        ["--version"],
        { encoding: "utf8" },
      )
        .stdout.trim()
        .replace(
          /^skopeo version /,
          "",
        )}; registry: ecr-push local on loopback; NODE_EXTRA_CA_CERTS unset. Bytes: blob bytes the registry received.`,
      "",
      "| what | cold push | vs skopeo | layer bytes | vs skopeo's bytes | peak RSS | note |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...lines,
      ...twoGiB,
      "",
    ].join("\n");
  } finally {
    client.destroy();
    endpoint.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One 2 GiB layer, 8 MiB stretches of salted text lines and of random bytes in turn (so both the
 * deflating and the stored path run), pushed from a docker save archive with each codec: the
 * rows of the memory target, peak RSS under 150 MB.
 */
async function twoGiBLayer(dir, pushWith) {
  const work = mkdtempSync(path.join(dir, "two-gib-"));
  const image = "bench/two-gib-mixed:1";
  try {
    const piece = Buffer.alloc(8 * 1024 * 1024);
    const text = Buffer.from(
      Array.from(
        { length: 200_000 },
        (_, i) => `${i} GET /api/v1/items?page=${i % 97} 200 ${(i * 7919) % 4096}ms\n`,
      ).join(""),
    ).subarray(0, piece.length);
    const fd = openSync(path.join(work, "layer.bin"), "w");
    for (let i = 0; i < 256; i++) {
      if (i % 2) randomFillSync(piece);
      else {
        text.copy(piece);
        piece.write(`${i}-${Math.random()}`, 0);
      }
      writeSync(fd, piece);
    }
    closeSync(fd);
    writeFileSync(path.join(work, "Dockerfile"), "FROM scratch\nCOPY layer.bin /layer.bin\n");
    timed("docker", ["build", "-q", "-t", image, work], { env: { ...dockerEnv, DOCKER_BUILDKIT: "0" } });
    rmSync(path.join(work, "layer.bin"));
    const archive = path.join(work, "two-gib.tar");
    timed("docker", ["save", "-o", archive, image], { env: dockerEnv });
    spawnSync("docker", ["image", "rm", image], { env: dockerEnv });
    const rows = [];
    for (const [id, what] of [
      ["gzip", "gzip"],
      ["zstd", "--compression zstd"],
    ]) {
      const run = await pushWith(id, archive);
      rows.push(
        `| ecr-push push docker-archive: ${what}, one 2 GiB layer (half text, half random; 1 run) | ${seconds(run.ms)} | - | - | - | ${run.mib.toFixed(0)} MiB | RSS target: under 150 MB |`,
      );
    }
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The first section: a 5 MB image pushed by ecr-push and its peers, start-up costs and bundle sizes. */
async function smallSection() {
  const rows = [];
  await buildTestImage(engine.host, IMAGE, { sizeBytes: 5 * 1024 * 1024 });
  const times = contenders.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [n, contender] of contenders.entries()) {
      if (contender.available) continue;
      const repo = `bench/c${n}-r${i}`;
      await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
      times[n].push(await contender.run(repo));
    }
  }
  const plain = median(times[0]);
  const ours = median(times[1]);
  for (const [n, contender] of contenders.entries()) {
    if (contender.available) rows.push([contender.name, "-", contender.available]);
    else
      rows.push([
        contender.name,
        seconds(median(times[n])),
        n === 0 ? "baseline" : `${seconds(median(times[n]) - plain)} over plain docker`,
      ]);
  }

  const node0 = [];
  const failFast = [];
  const version = [];
  const singleFailFast = [];
  const singleVersion = [];
  for (let i = 0; i < RUNS; i++) {
    node0.push(timed(process.execPath, ["-e", "0"]).ms);
    failFast.push(
      timed(process.execPath, [CLI, "push", "app", "-r", "Bad_Repo"], { env: awsEnv, expectStatus: 2 }).ms,
    );
    version.push(timed(process.execPath, [CLI, "--version"]).ms);
    singleFailFast.push(
      timed(process.execPath, [SINGLE, "push", "app", "-r", "Bad_Repo"], { env: awsEnv, expectStatus: 2 }).ms,
    );
    singleVersion.push(timed(process.execPath, [SINGLE, "--version"]).ms);
  }
  const dist = path.resolve("packages/cli/dist");
  const bundleBytes = readdirSync(dist, { recursive: true })
    .filter((f) => !f.startsWith("single"))
    .map((f) => path.join(dist, f))
    .filter((f) => statSync(f).isFile())
    .reduce((n, f) => n + statSync(f).size, 0);
  rows.push(
    [
      "ecr-push own overhead over plain docker, less Node's start-up",
      seconds(ours - plain - median(node0)),
      "target: at most 0.150 s for the whole overhead",
    ],
    ["node -e 0 (Node's start-up on this machine)", seconds(median(node0)), "baseline"],
    [
      "ecr-push fail-fast on bad input (exit 2)",
      seconds(median(failFast)),
      `${(median(failFast) / median(node0)).toFixed(2)}x node -e 0 (target: at most 2x)`,
    ],
    ["ecr-push --version", seconds(median(version)), "target: under 0.150 s"],
    [
      "CLI bundle, all chunks",
      `${(bundleBytes / 1024).toFixed(0)} KiB`,
      "target: under 1 MiB per host bundle",
    ],
    [
      "single-file CLI (dist/single/ecr-push.mjs) fail-fast on bad input (exit 2)",
      seconds(median(singleFailFast)),
      `${(median(singleFailFast) / median(node0)).toFixed(2)}x node -e 0`,
    ],
    ["single-file CLI --version", seconds(median(singleVersion)), "target: under 0.150 s"],
    ["single-file CLI, one file", `${(statSync(SINGLE).size / 1024).toFixed(0)} KiB`, "target: under 1 MiB"],
  );
  return timeTable(`## A 5 MB image, ${RUNS} runs each, medians`, rows);
}

/**
 * Each host entry's overhead (issue 14): a small image the repository already holds, pushed under
 * a new tag, next to plain docker login + tag + push of the same (docker seeded the repository, so
 * it skips every layer too). The contenders take turns within each run; medians of BENCH_RUNS.
 */
async function hostsSection() {
  const image = "bench/hosts:1";
  await buildTestImage(engine.host, image, { sizeBytes: 5 * 1024 * 1024 });
  const repo = "bench/hosts";
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
  dockerLoginTagPush(await password(), repo, image, { tag: "seed" });
  const scratch = mkdtempSync(path.join(tmpdir(), "bench-hosts-"));
  // The runner creates the output file before a step starts.
  writeFileSync(path.join(scratch, "output"), "");
  const { NODE_EXTRA_CA_CERTS: _ca, ...jobEnv } = awsEnv;
  const entry = (...parts) => path.resolve("packages", ...parts);
  const node = (file, env) => timed(process.execPath, [file], { env: { ...jobEnv, ...env } }).ms;
  const [name, imageTag] = image.split(":");
  const entries = [
    {
      name: "plain docker login + tag + push (token fetched beforehand, not timed)",
      run: async (tag) => dockerLoginTagPush(await password(), repo, image, { tag }),
    },
    {
      name: "CLI: ecr-push push",
      run: async (tag) =>
        timed(process.execPath, [CLI, "push", image, "-r", repo, "-t", tag, "-q"], { env: jobEnv }).ms,
    },
    {
      name: "GitHub Action (the committed bundle, as the runner starts it)",
      run: async (tag) =>
        node(entry("adapter-github", "dist", "index.js"), {
          GITHUB_ACTIONS: "true",
          GITHUB_OUTPUT: path.join(scratch, "output"),
          RUNNER_TEMP: scratch,
          INPUT_IMAGE: image,
          INPUT_REPOSITORY: repo,
          INPUT_TAGS: tag,
          "INPUT_CREATE-REPOSITORY": "false",
          "INPUT_REMOVE-LOCAL-IMAGE": "false",
          INPUT_ENGINE: "auto",
        }),
    },
    {
      name: "Azure Pipelines task (the task folder, as the agent starts it)",
      run: async (tag) =>
        node(entry("adapter-azure", "dist", "ECRPushImage", "index.js"), {
          AGENT_TEMPDIRECTORY: scratch,
          INPUT_COMMAND: "push",
          INPUT_IMAGESOURCE: "imagename",
          INPUT_SOURCEIMAGENAME: name,
          INPUT_SOURCEIMAGETAG: imageTag,
          INPUT_REPOSITORYNAME: repo,
          INPUT_PUSHTAG: tag,
          INPUT_AUTOCREATEREPOSITORY: "false",
          INPUT_ENGINE: "auto",
        }),
    },
    {
      name: "Codefresh step (its entry, as the step image runs it)",
      run: async (tag) =>
        node(entry("adapter-codefresh", "dist", "index.js"), {
          CF_VOLUME_PATH: scratch,
          IMAGE: image,
          REPOSITORY: repo,
          TAGS: tag,
        }),
    },
  ];
  const times = entries.map(() => []);
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [i, contender] of entries.entries()) {
        times[i].push(await contender.run(`r${run}-${i}`));
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const docker = median(times[0]);
  const rows = entries.map((contender, i) => {
    const ms = median(times[i]);
    const note =
      i === 0
        ? "baseline"
        : `${((ms - docker) / 1000).toFixed(3)} s over plain docker (target: at most 0.150 s)`;
    return [contender.name, `${(ms / 1000).toFixed(3)} s`, note];
  });
  return timeTable(
    `## Each host entry, an image the repository already holds under a new tag: ${RUNS} runs each, medians`,
    rows,
    "A 5 MB image, seeded into the repository by docker push, pushed again under a new tag each run. Every entry runs as its host starts it, with NODE_EXTRA_CA_CERTS unset as on CI runners. The registry engine finds the image among the repository's recent images and only tags it; docker push checks each layer and puts the manifest.",
  );
}

/** A section of `what | time | note` rows under its heading, with an optional paragraph first. */
/**
 * What moving a blob to ECR's layer API costs (issue 15): one BENCH_PARTS_MB (default 128) MiB blob
 * uploaded by the registry client's one PATCH and by the layer API's 10 MiB parts (base64 in
 * signed JSON), to the same endpoint, in this process: wall time and this process's CPU time.
 * The blob is random bytes because it stands for a layer already compressed (gzip output does not
 * compress further). The client switches a blob to parts only once a PATCH of it was cut after
 * 10 MiB: this is the price of that switch on a link that does not cut.
 */
async function partsSection() {
  const { Readable } = await import("node:stream");
  const { createHash } = await import("node:crypto");
  const { RegistryClient } = await import("../packages/core/dist/registry/index.js");
  const { uploadInParts } = await import("../packages/core/dist/registry/layer-parts.js");
  const { EcrApi } = await import("../packages/core/dist/aws/ecr.js");
  const mib = Number(process.env.BENCH_PARTS_MB ?? 128);
  const blob = randomFillSync(Buffer.alloc(mib * 1024 * 1024));
  const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
  const expected = { digest, size: blob.length };
  const open = () =>
    Readable.from(
      (function* () {
        for (let i = 0; i < blob.length; i += 1024 * 1024) yield blob.subarray(i, i + 1024 * 1024);
      })(),
    );
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, group: (_t, f) => f() };
  const api = new EcrApi({
    region: local.region,
    credentials: keys,
    env: { AWS_ENDPOINT_URL_ECR: local.endpoint },
    logger: quiet,
    secrets: { mask() {} },
  }).layerParts(undefined);
  const client = new RegistryClient({
    registry: local.registry,
    username: "AWS",
    password: await password(),
  });
  const runs = Math.max(3, Math.min(RUNS, 5));
  const measure = async (name, upload) => {
    const times = [];
    const cpu = [];
    for (let i = 0; i < runs; i++) {
      const repository = `bench/parts-${name}-${i}-${Date.now()}`;
      await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
      const before = process.cpuUsage();
      const start = process.hrtime.bigint();
      await upload(repository);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
    }
    return { ms: median(times), cpu: median(cpu) };
  };
  const patch = await measure("patch", (repository) => client.uploadBlob(repository, open, expected));
  const parts = await measure("api", async (repository) => {
    const started = await api.initiate(repository);
    await uploadInParts(api, repository, started, open, expected, (_what, call) => call());
  });
  client.close();
  const rate = (r) => `${(mib / (r.ms / 1000)).toFixed(0)} MiB/s`;
  return timeTable(
    `## Moving a blob to ECR's layer API (issue 15): one ${mib} MiB compressed blob, ${runs} runs, medians`,
    [
      [
        "one PATCH (the registry API)",
        seconds(patch.ms),
        `${rate(patch)}; this process's CPU ${seconds(patch.cpu)}`,
      ],
      [
        `layer API, ${Math.ceil(mib / 10)} parts of 10 MiB`,
        seconds(parts.ms),
        `${rate(parts)}; CPU ${seconds(parts.cpu)}; ${(parts.ms / patch.ms).toFixed(2)}x the PATCH's time, and 1.33x its bytes on the wire (base64)`,
      ],
    ],
    "Both to ecr-local in its own process on this machine. The client moves a blob to parts only after a PATCH of it was cut past 10 MiB: then a cut costs at most one part instead of the whole blob, and on a link that cuts every few tens of MiB a PATCH of a larger blob would never land.",
  );
}

function timeTable(heading, rows, intro) {
  return [
    heading,
    "",
    ...(intro ? [intro, ""] : []),
    "| what | time | note |",
    "| --- | --- | --- |",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
  ].join("\n");
}

const sections = [];
try {
  for (const section of SECTIONS) {
    const wanted = only ? only.includes(section.name) : !section.skip || process.env[section.skip] !== "0";
    if (wanted) sections.push(await section.run());
  }
} finally {
  localProcess.kill("SIGTERM");
  await engine.stop();
}
const table = [`# ecr-push benchmark (${new Date().toISOString()})`, "", ...sections].join("\n");
mkdirSync("bench", { recursive: true });
writeFileSync("bench/results.md", table);
console.log(table);
