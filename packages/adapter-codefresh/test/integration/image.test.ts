import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EcrFixture, TEST_KEYS } from "@ecr-push/e2e";
import { buildTestImage, dockerEnv, dockerForTests, run, runOk, skopeoInspect } from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cfVolume, expectClean, expectedExports, exportedDigest, oneError } from "./harness.js";

const dockerHost = dockerForTests();
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
const BASE = "ecr-push-test/codefresh-base:local";
const DOCKER_CLI = "ecr-push-test/codefresh-docker-cli:local";
const STEP_IMAGE = "ecr-push-test/codefresh-step:test";
const STEP_USER = "10001:10001";

/** The shared libraries a dynamically linked executable loads, as `ldd` lists them (none when static). */
async function sharedLibraries(executable: string): Promise<string[]> {
  const listed = await run("ldd", [executable]);
  return [...listed.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/g)].flatMap((m) => m[1] ?? []);
}

function onPath(command: string): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  throw new Error(`${command} is not on PATH`);
}

/** Builds `tag` FROM scratch holding `files` ({ path in the image: path here }) and empty `dirs`. */
async function buildFromScratch(
  host: string,
  tag: string,
  files: Record<string, string>,
  extra: { dirs?: string[]; text?: Record<string, string>; env?: string } = {},
): Promise<void> {
  const context = mkdtempSync(path.join(tmpdir(), "cf-base-"));
  try {
    const rootfs = path.join(context, "rootfs");
    mkdirSync(rootfs);
    for (const [to, from] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(rootfs, to)), { recursive: true });
      copyFileSync(from, path.join(rootfs, to));
      chmodSync(path.join(rootfs, to), 0o755);
    }
    for (const [to, text] of Object.entries(extra.text ?? {})) {
      mkdirSync(path.dirname(path.join(rootfs, to)), { recursive: true });
      writeFileSync(path.join(rootfs, to), text);
    }
    // World-writable with the sticky bit, like /tmp.
    for (const dir of extra.dirs ?? []) {
      mkdirSync(path.join(rootfs, dir), { recursive: true });
      chmodSync(path.join(rootfs, dir), 0o1777);
    }
    const env = extra.env ? `ENV ${extra.env}\n` : "";
    writeFileSync(path.join(context, "Dockerfile"), `FROM scratch\nCOPY rootfs/ /\n${env}`);
    await runOk("docker", ["build", "-q", "-t", tag, context], { env: dockerEnv(host), timeoutMs: 600_000 });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/**
 * No public image can be pulled here, so both images the Dockerfile starts from are made from this
 * machine's Debian-installed files: BASE_IMAGE holds the node binary running these tests with its
 * shared libraries (and the docker CLI's), a passwd entry for the non-root user and /tmp;
 * DOCKER_CLI_IMAGE holds the docker CLI at /usr/local/bin/docker, as docker:cli does.
 */
async function buildLocalBases(host: string): Promise<void> {
  const docker = onPath("docker");
  const libraries = new Set([
    ...(await sharedLibraries(process.execPath)),
    ...(await sharedLibraries(docker)),
  ]);
  await buildFromScratch(
    host,
    BASE,
    {
      "/usr/local/bin/node": process.execPath,
      ...Object.fromEntries([...libraries].map((lib) => [lib, lib])),
    },
    {
      dirs: ["tmp"],
      text: {
        "etc/passwd": "root:x:0:0:root:/root:/nonexistent\necr-push:x:10001:10001::/tmp:/nonexistent\n",
        "etc/group": "root:x:0:\necr-push:x:10001:\n",
      },
      env: "PATH=/usr/local/bin:/usr/bin:/bin",
    },
  );
  await buildFromScratch(host, DOCKER_CLI, { "/usr/local/bin/docker": docker });
}

/** How a container reaches the engine: its unix socket mounted, or the same TCP address over the host network. */
function engineAccess(host: string): { args: string[]; dockerHost: string } {
  if (!host.startsWith("unix://")) return { args: [], dockerHost: host };
  const socket = host.slice("unix://".length);
  const group = String(statSync(socket).gid);
  return {
    args: ["-v", `${socket}:/var/run/docker.sock`, "--group-add", group],
    dockerHost: "unix:///var/run/docker.sock",
  };
}

describe.runIf(dockerHost)("the step image, built with the real engine, pushing from inside", () => {
  const host = dockerHost as string;
  let e2e: EcrFixture;

  beforeAll(async () => {
    e2e = await EcrFixture.start(host);
    await buildLocalBases(host);
  });
  afterAll(async () => {
    await run("docker", ["image", "rm", "-f", STEP_IMAGE, BASE, DOCKER_CLI], { env: dockerEnv(host) });
    await e2e?.close();
  });

  it("builds from the Dockerfile with BASE_IMAGE, non-root, with the bundle as its entrypoint", async () => {
    await runOk(
      "docker",
      [
        "build",
        "-q",
        "--build-arg",
        `BASE_IMAGE=${BASE}`,
        "--build-arg",
        `DOCKER_CLI_IMAGE=${DOCKER_CLI}`,
        "--build-arg",
        `STEP_USER=${STEP_USER}`,
        "-t",
        STEP_IMAGE,
        PACKAGE_DIR,
      ],
      { env: dockerEnv(host), timeoutMs: 600_000 },
    );
    const config = JSON.parse(
      await runOk("docker", ["image", "inspect", "--format", "{{json .Config}}", STEP_IMAGE], {
        env: dockerEnv(host),
      }),
    );
    expect(config.User).toBe(STEP_USER);
    expect(config.Entrypoint).toEqual(["node", "/opt/ecr-push/index.js"]);
  });

  it("pushes from inside the container and exports to the shared volume, printing no secret", async () => {
    await e2e.createRepository("team/from-image");
    await buildTestImage(host, "cf/in-image:1");
    const volume = cfVolume();
    const containerTmp = mkdtempSync(path.join(tmpdir(), "cf-container-tmp-"));
    try {
      // The step runs as a non-root user: the volume and /tmp must be writable by it.
      chmodSync(volume.path, 0o777);
      chmodSync(containerTmp, 0o1777);
      const engine = engineAccess(host);
      const step = {
        IMAGE: "cf/in-image:1",
        REPOSITORY: "team/from-image",
        TAGS: "v1,stable",
        CF_VOLUME_PATH: "/codefresh/volume",
        AWS_REGION: e2e.local.region,
        AWS_ENDPOINT_URL_ECR: e2e.local.endpoint,
        AWS_ENDPOINT_URL_STS: e2e.local.endpoint,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_ACCESS_KEY_ID: TEST_KEYS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_KEYS.secretAccessKey,
      };
      // `-e NAME` takes the value from the docker CLI's environment: no secret in argv.
      const result = await run(
        "docker",
        [
          "run",
          "--rm",
          "--network",
          "host",
          ...engine.args,
          "-e",
          `DOCKER_HOST=${engine.dockerHost}`,
          "-v",
          `${volume.path}:/codefresh/volume`,
          "-v",
          `${containerTmp}:/tmp`,
          ...Object.keys(step).flatMap((name) => ["-e", name]),
          STEP_IMAGE,
        ],
        { env: dockerEnv(host, step), timeoutMs: 180_000 },
      );
      expect(result.code, result.stderr).toBe(0);
      const exported = volume.exported();
      const digest = exportedDigest(exported);
      expect(exported).toBe(`${expectedExports(e2e, "team/from-image", ["v1", "stable"], digest)}\n`);
      const seen = await skopeoInspect(
        `${e2e.local.registry}/team/from-image:stable`,
        await e2e.registryCredentials(),
      );
      expect(seen.Digest).toBe(digest);
      const password = (await e2e.registryCredentials()).password;
      expectClean({ ...result, leftovers: readdirSync(containerTmp) }, exported, password);
    } finally {
      volume.close();
      rmSync(containerTmp, { recursive: true, force: true });
    }
  });

  it("fails bad input inside the container with exit code 2 and one sentence", async () => {
    const result = await run("docker", ["run", "--rm", "-e", "REPOSITORY=team/web", STEP_IMAGE], {
      env: dockerEnv(host),
    });
    expect(result.code).toBe(2);
    expect(oneError({ ...result, leftovers: [] })).toMatch(/^error: Missing IMAGE: /);
  });
});
