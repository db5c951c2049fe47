import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunResult } from "../../../src/engine/index.js";
import {
  createDockerEngine,
  isPodman,
  ProcessStartError,
  pendingExitRemovals,
} from "../../../src/engine/index.js";
import { EcrPushError } from "../../../src/errors/index.js";
import { FakeRunner } from "./fake-runner.js";

const PASSWORD = "s3cr3t-Token_value==";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const TARGET = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1";
const REPOSITORY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app";
const USER_ENV = { PATH: "/usr/bin", HOME: "/home/user", DOCKER_HOST: "unix:///run/user.sock" };

let tempDir: string;
beforeEach(() => {
  tempDir = mkdtempSync(path.join(tmpdir(), "engine-unit-"));
});
afterEach(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

function engineWith(
  respond: (args: string[]) => Partial<RunResult>,
  env: Record<string, string> = USER_ENV,
  hostSecrets?: RegExp,
) {
  const runner = new FakeRunner(respond);
  const debug: string[] = [];
  const engine = createDockerEngine({
    runner,
    env,
    dockerPath: "/opt/docker",
    tempDir,
    debug: (line) => debug.push(line),
    hostSecrets,
  });
  return { engine, runner, debug };
}

async function rejection(promise: Promise<unknown>): Promise<EcrPushError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EcrPushError);
  return error as EcrPushError;
}

/** A docker that pushes with a digest line and knows every image. */
function pushOk(args: string[]): Partial<RunResult> {
  if (args[0] === "push") {
    return {
      stdout: `The push refers to repository [${REPOSITORY}]\n5f70bf18a086: Pushed\nv1: digest: ${DIGEST} size: 528\n`,
    };
  }
  if (args[1] === "inspect")
    return { stdout: JSON.stringify({ Id: "sha256:1", RepoTags: [], RepoDigests: [] }) };
  return {};
}

describe("credentials", () => {
  it("keeps the job's credentials and the host's secret variables out of docker's environment", async () => {
    // What the hosts name (core itself drops only AWS_*): the Action's and the Azure task's.
    const hostSecrets = /^(INPUT_|ACTIONS_ID_TOKEN_REQUEST_|ENDPOINT_(AUTH|DATA)_|SYSTEM_ACCESSTOKEN$)/i;
    const { engine, runner } = engineWith(
      () => ({}),
      {
        ...USER_ENV,
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "secret-key",
        AWS_SESSION_TOKEN: "session-token",
        "INPUT_AWS-SECRET-ACCESS-KEY": "secret-key",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "oidc-request",
        ENDPOINT_AUTH_PARAMETER_AWS_PASSWORD: "secret-key",
        SYSTEM_ACCESSTOKEN: "azure-token",
        DOCKER_HOST: "unix:///run/docker.sock",
        HTTPS_PROXY: "http://proxy:3128",
      },
      hostSecrets,
    );
    await engine.login("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "AWS", PASSWORD);
    for (const call of runner.calls) {
      expect(Object.keys(call.env).filter((name) => /AWS|INPUT|TOKEN|ENDPOINT_AUTH/.test(name))).toEqual([]);
      expect(call.env.DOCKER_HOST).toBe("unix:///run/docker.sock");
      expect(call.env.HTTPS_PROXY).toBe("http://proxy:3128");
      expect(call.env.HOME).toBe("/home/user");
    }
  });

  it("passes the password only on stdin, never in argv, env or logs", async () => {
    const { engine, runner, debug } = engineWith((args) =>
      args[0] === "login"
        ? { stderr: "WARNING! Your credentials are stored unencrypted in '/tmp/x/config.json'.\n" }
        : {},
    );
    await engine.login("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "AWS", PASSWORD);
    const [login] = runner.callsOf("login");
    expect(login?.args).toEqual([
      "login",
      "--username",
      "AWS",
      "--password-stdin",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    ]);
    expect(login?.stdin).toBe(PASSWORD);
    for (const call of runner.calls) {
      expect(call.args.join(" ")).not.toContain(PASSWORD);
      expect(Object.values(call.env).join(" ")).not.toContain(PASSWORD);
    }
    expect(debug.join("\n")).not.toContain(PASSWORD);
    expect(debug.join("\n")).toContain("stored unencrypted");
    await engine.dispose();
  });

  it("uses one private DOCKER_CONFIG for every command after login, and none before", async () => {
    const { engine, runner } = engineWith(pushOk);
    await engine.inspect("app:latest");
    expect(runner.calls[0]?.env.DOCKER_CONFIG).toBeUndefined();

    await engine.login("registry.example", "AWS", PASSWORD);
    await engine.tag("app:latest", TARGET);
    await engine.push(TARGET);
    await engine.inspect(TARGET);
    await engine.remove(TARGET);
    await engine.login("other.example", "AWS", PASSWORD);

    const after = runner.calls.slice(1);
    const dir = after[0]?.env.DOCKER_CONFIG;
    expect(dir && path.dirname(dir)).toBe(tempDir);
    expect(after.map((call) => call.env.DOCKER_CONFIG)).toEqual(after.map(() => dir));
    expect(after.every((call) => call.env.HOME === "/home/user")).toBe(true);
    if (process.platform !== "win32") expect(statSync(dir as string).mode & 0o777).toBe(0o700);
    // An auths entry stops docker from choosing a platform credential helper by itself.
    const config = JSON.parse(readFileSync(path.join(dir as string, "config.json"), "utf8"));
    expect(Object.keys(config.auths)).toHaveLength(1);
    expect(config.credsStore).toBeUndefined();
    await engine.dispose();
  });

  it("keeps talking to the daemon of the user's docker context once the private config is in use", async () => {
    const context = {
      Name: "colima",
      Endpoints: { docker: { Host: "unix:///home/user/.colima/docker.sock", SkipTLSVerify: false } },
      TLSMaterial: {},
      Storage: { TLSPath: "/home/user/.docker/contexts/tls/abc" },
    };
    const { engine, runner } = engineWith(
      (args) => (args[0] === "context" ? { stdout: JSON.stringify(context) } : {}),
      {
        PATH: "/usr/bin",
        DOCKER_CONTEXT: "colima",
      },
    );
    await engine.login("registry.example", "AWS", PASSWORD);
    await engine.push(TARGET).catch(() => {});
    const [inspectContext, login, push] = runner.calls;
    expect(inspectContext?.args.slice(0, 2)).toEqual(["context", "inspect"]);
    expect(inspectContext?.env.DOCKER_CONFIG).toBeUndefined();
    for (const call of [login, push]) {
      expect(call?.env.DOCKER_HOST).toBe("unix:///home/user/.colima/docker.sock");
      expect(call?.env.DOCKER_CONTEXT).toBeUndefined();
    }
    await engine.dispose();
  });

  it("does not look at contexts when DOCKER_HOST is set", async () => {
    const { engine, runner } = engineWith(() => ({}));
    await engine.login("registry.example", "AWS", PASSWORD);
    expect(runner.callsOf("context")).toHaveLength(0);
    expect(runner.calls[0]?.env.DOCKER_HOST).toBe(USER_ENV.DOCKER_HOST);
    await engine.dispose();
  });

  it("removes the directory on dispose even after a failed push, and dispose twice is fine", async () => {
    const { engine, runner } = engineWith((args) =>
      args[0] === "push" ? { exitCode: 1, stderr: "denied: Your authorization token has expired.\n" } : {},
    );
    await engine.login("registry.example", "AWS", PASSWORD);
    const dir = runner.calls[0]?.env.DOCKER_CONFIG as string;
    expect(existsSync(dir)).toBe(true);
    expect(pendingExitRemovals()).toContain(dir);

    const error = await rejection(engine.push(TARGET));
    expect(error.code).toBe("RegistryAuthFailed");

    await engine.dispose();
    expect(existsSync(dir)).toBe(false);
    expect(pendingExitRemovals()).not.toContain(dir);
    await engine.dispose();
  });

  it("dispose without login does nothing", async () => {
    const { engine, runner } = engineWith(() => ({}));
    await engine.dispose();
    expect(runner.calls).toHaveLength(0);
  });

  it("scrubs the password from a rejected login's message", async () => {
    const { engine } = engineWith((args) =>
      args[0] === "login"
        ? {
            exitCode: 1,
            stderr: `Error response from daemon: login attempt failed with status: 401 Unauthorized for ${PASSWORD}\n`,
          }
        : {},
    );
    const error = await rejection(engine.login("registry.example", "AWS", PASSWORD));
    expect(error.code).toBe("RegistryLoginFailed");
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).toContain("registry.example");
    await engine.dispose();
  });

  it("reports a temp folder it cannot write to in one sentence", async () => {
    const runner = new FakeRunner();
    const engine = createDockerEngine({
      runner,
      env: USER_ENV,
      dockerPath: "docker",
      tempDir: path.join(tempDir, "missing"),
    });
    const error = await rejection(engine.login("registry.example", "AWS", PASSWORD));
    expect(error.code).toBe("TempDirUnavailable");
    await engine.dispose();
  });
});

describe("push", () => {
  it("streams progress lines and returns the digest of the final digest line", async () => {
    const { engine } = engineWith(pushOk);
    const lines: string[] = [];
    const pushed = await engine.push(TARGET, (progress) => progress.line && lines.push(progress.line));
    expect(pushed).toEqual({ digest: DIGEST, size: 528 });
    expect(lines).toContain("5f70bf18a086: Pushed");
    expect(lines).not.toContain("");
  });

  it.each([
    ["missing", "5f70bf18a086: Pushed\n"],
    ["malformed", "v1: digest: sha256:abc size: 528\n"],
  ])("falls back to RepoDigests when the digest line is %s", async (_, stdout) => {
    const image = {
      Id: "sha256:1",
      RepoTags: [TARGET],
      RepoDigests: [`other/app@sha256:${"cd".repeat(32)}`, `${REPOSITORY}@${DIGEST}`],
    };
    const { engine, runner } = engineWith((args) =>
      args[0] === "push" ? { stdout } : { stdout: JSON.stringify(image) },
    );
    expect(await engine.push(TARGET)).toEqual({ digest: DIGEST });
    expect(runner.callsOf("image", "inspect")[0]?.args.at(-1)).toBe(TARGET);
  });

  it("fails with DigestNotFound when no digest can be found", async () => {
    const image = { Id: "sha256:1", RepoTags: [TARGET], RepoDigests: null };
    const { engine } = engineWith((args) =>
      args[0] === "push" ? { stdout: "" } : { stdout: JSON.stringify(image) },
    );
    expect((await rejection(engine.push(TARGET))).code).toBe("DigestNotFound");
  });

  it("maps an immutable tag conflict", async () => {
    const { engine } = engineWith(() => ({
      exitCode: 1,
      stderr:
        "tag invalid: The image tag 'v1' already exists in the 'team/app' repository and cannot be overwritten because the repository is immutable.\n",
    }));
    const error = await rejection(engine.push(TARGET));
    expect(error.code).toBe("ImageTagAlreadyExists");
    expect(error.message).toContain(TARGET);
  });
});

describe("inspect, tag and remove", () => {
  it("reads an image and returns undefined for a missing one", async () => {
    const image = { Id: "sha256:abc", RepoTags: ["app:1"], RepoDigests: [] };
    const { engine, runner } = engineWith((args) =>
      args.at(-1) === "missing:1"
        ? { exitCode: 1, stderr: "Error response from daemon: No such image: missing:1\n" }
        : { stdout: `${JSON.stringify(image)}\n` },
    );
    expect(await engine.inspect("app:1")).toEqual({ id: "sha256:abc", repoTags: ["app:1"], repoDigests: [] });
    expect(await engine.inspect("missing:1")).toBeUndefined();
    expect(runner.calls[0]?.args).toEqual(["image", "inspect", "--format", "{{json .}}", "app:1"]);
    expect(runner.calls[0]?.command).toBe("/opt/docker");
  });

  it("tags, and names a missing source image", async () => {
    const { engine, runner } = engineWith((args) =>
      args[1] === "gone:1"
        ? { exitCode: 1, stderr: "Error response from daemon: No such image: gone:1\n" }
        : {},
    );
    await engine.tag("app:1", TARGET);
    expect(runner.calls[0]?.args).toEqual(["tag", "app:1", TARGET]);
    const error = await rejection(engine.tag("gone:1", TARGET));
    expect(error.code).toBe("ImageNotFound");
    expect(error.message).toContain("gone:1");
  });

  it("treats removing a missing image as done", async () => {
    const { engine } = engineWith(() => ({
      exitCode: 1,
      stderr: "Error response from daemon: No such image: x:1\n",
    }));
    await expect(engine.remove("x:1")).resolves.toBeUndefined();
  });

  it("untags with --force only when a container holds the image, and never by ID", async () => {
    const conflict = {
      exitCode: 1,
      stderr:
        'Error response from daemon: conflict: unable to remove repository reference "app:1" (must force) - container 0123 is using its referenced image abc\n',
    };
    const { engine, runner } = engineWith((args) => (args.includes("--force") ? {} : conflict));
    await engine.remove("app:1");
    expect(runner.calls.map((call) => call.args)).toEqual([
      ["image", "rm", "app:1"],
      ["image", "rm", "--force", "app:1"],
    ]);
    const error = await rejection(engine.remove(`sha256:${"ab".repeat(32)}`));
    expect(error.code).toBe("DockerCommandFailed");
    expect(runner.calls).toHaveLength(3);
  });
});

describe("the docker executable", () => {
  it("is DockerNotFound when PATH has no docker", async () => {
    const engine = createDockerEngine({ runner: new FakeRunner(), env: { PATH: tempDir } });
    const error = await rejection(engine.inspect("app:1"));
    expect(error.code).toBe("DockerNotFound");
    expect(error.message).toMatch(/^The docker CLI was not found on PATH: install Docker/);
  });

  it("is DockerNotFound when the explicit path cannot be started", async () => {
    const runner = {
      run: async () => {
        throw new ProcessStartError(
          "/nope/docker",
          Object.assign(new Error("spawn ENOENT"), { code: "ENOENT" }),
        );
      },
    };
    const engine = createDockerEngine({ runner, env: {}, dockerPath: "/nope/docker" });
    const error = await rejection(engine.inspect("app:1"));
    expect(error.code).toBe("DockerNotFound");
    expect(error.message).toContain("/nope/docker");
  });

  it("says which daemon it cannot reach", async () => {
    const { engine } = engineWith(() => ({
      exitCode: 1,
      stderr: 'error during connect: Get "http://x": EOF\n',
    }));
    const error = await rejection(engine.inspect("app:1"));
    expect(error.code).toBe("DockerUnavailable");
    expect(error.message).toBe(
      `Cannot connect to the Docker daemon at ${USER_ENV.DOCKER_HOST}: start Docker or set DOCKER_HOST.`,
    );
  });
});

describe("podman where docker is absent", () => {
  /** A folder on PATH holding empty executables with these names. */
  function binWith(...names: string[]): string {
    const bin = path.join(tempDir, `bin-${names.join("-") || "none"}`);
    mkdirSync(bin);
    for (const name of names) {
      const file = path.join(bin, process.platform === "win32" ? `${name}.exe` : name);
      writeFileSync(file, "");
      chmodSync(file, 0o755);
    }
    return bin;
  }
  /** A podman that writes the pushed digest to --digestfile and prints progress on stderr. */
  function podmanPushOk(args: string[]): Partial<RunResult> {
    if (args[0] === "push") {
      writeFileSync(args[2] as string, `${DIGEST}\n`);
      return {
        stderr:
          "Getting image source signatures\nCopying blob 5f70bf18a086 done\nWriting manifest to image destination\n",
      };
    }
    return {};
  }
  function podmanEngine(bin: string, respond = podmanPushOk) {
    const runner = new FakeRunner(respond);
    const debug: string[] = [];
    const engine = createDockerEngine({
      runner,
      env: { PATH: bin, HOME: "/home/user", CONTAINER_HOST: "unix:///run/podman.sock" },
      tempDir,
      orPodman: true,
      debug: (line) => debug.push(line),
    });
    return { engine, runner, debug };
  }

  it("logs in and pushes with podman: its own auth file, the password on stdin, the digest from --digestfile", async () => {
    const { engine, runner, debug } = podmanEngine(binWith("podman"));
    const progress: string[] = [];
    await engine.login("registry.example", "AWS", PASSWORD);
    await engine.tag("app:latest", TARGET);
    expect(await engine.push(TARGET, (p) => progress.push(p.line ?? ""))).toEqual({ digest: DIGEST });
    expect(path.basename(runner.calls[0]?.command ?? "")).toMatch(/^podman(\.exe)?$/);
    // No docker context is asked for: podman has none.
    expect(runner.calls.map((call) => call.args[0])).toEqual(["login", "tag", "push"]);
    const [login, tag, push] = runner.calls;
    expect(login?.args).toEqual(["login", "--username", "AWS", "--password-stdin", "registry.example"]);
    expect(login?.stdin).toBe(PASSWORD);
    const authFile = login?.env.REGISTRY_AUTH_FILE;
    expect(authFile && path.dirname(path.dirname(authFile))).toBe(tempDir);
    for (const call of [login, tag, push]) {
      expect(call?.env.REGISTRY_AUTH_FILE).toBe(authFile);
      expect(call?.env.DOCKER_CONFIG).toBeUndefined();
      expect(call?.env.CONTAINER_HOST).toBe("unix:///run/podman.sock");
    }
    expect(push?.args[1]).toBe("--digestfile");
    expect(path.dirname(push?.args[2] as string)).toBe(path.dirname(authFile as string));
    expect(progress).toContain("Copying blob 5f70bf18a086 done");
    expect(debug).toContain(`podman push --digestfile ${push?.args[2]} ${TARGET}`);
    await engine.dispose();
    expect(existsSync(path.dirname(authFile as string))).toBe(false);
  });

  it("takes an explicit path to podman as podman", async () => {
    const runner = new FakeRunner(podmanPushOk);
    const engine = createDockerEngine({
      runner,
      env: USER_ENV,
      dockerPath: "/opt/podman/bin/podman",
      tempDir,
    });
    await engine.login("registry.example", "AWS", PASSWORD);
    expect(await engine.push(TARGET)).toEqual({ digest: DIGEST });
    expect(runner.calls.map((call) => call.command)).toEqual([
      "/opt/podman/bin/podman",
      "/opt/podman/bin/podman",
    ]);
    expect(runner.calls[0]?.env.REGISTRY_AUTH_FILE).toBeDefined();
    await engine.dispose();
  });

  it("names podman in its failures", async () => {
    const { engine } = podmanEngine(binWith("podman"), (args) =>
      args[0] === "tag" ? { exitCode: 125, stderr: "Error: app:latest: image not known\n" } : {},
    );
    const error = await rejection(engine.tag("app:latest", TARGET));
    expect(error.message).toMatch(/^podman tag app:latest /);
  });

  it("prefers docker when both are on PATH", async () => {
    const { engine, runner } = podmanEngine(binWith("docker", "podman"));
    await engine.inspect("app:1").catch(() => {});
    expect(path.basename(runner.calls[0]?.command ?? "")).toMatch(/^docker(\.exe)?$/);
  });

  it("names both when neither is on PATH", async () => {
    const { engine } = podmanEngine(binWith());
    const error = await rejection(engine.push(TARGET));
    expect(error.code).toBe("DockerNotFound");
    expect(error.message).toBe(
      "Neither docker nor podman was found on PATH: install Docker (or podman), or add the folder holding it to PATH.",
    );
  });

  it("knows podman by the executable's name, on Windows too", () => {
    expect(isPodman("/usr/bin/podman")).toBe(true);
    expect(isPodman("C:\\Program Files\\RedHat\\Podman\\podman.exe")).toBe(true);
    expect(isPodman("/usr/bin/docker")).toBe(false);
    expect(isPodman("/opt/podman/bin/docker")).toBe(false);
  });
});

describe("network failures", () => {
  const unavailable = "received unexpected HTTP status: 503 Service Unavailable\n";
  const target = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1";
  const pushed = `1: digest: sha256:${"a".repeat(64)} size: 528\n`;

  function flaky(failures: Record<string, string[]>, env: Record<string, string> = USER_ENV) {
    const runner = new FakeRunner((args) => {
      const next = failures[args[0] ?? ""]?.shift();
      if (next !== undefined) return { exitCode: 1, stderr: next };
      return args[0] === "push" ? { stdout: pushed } : {};
    });
    const waits: number[] = [];
    const engine = createDockerEngine({
      runner,
      env,
      dockerPath: "/opt/docker",
      tempDir,
      clock: {
        now: () => new Date(0),
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    });
    return { engine, runner, waits };
  }

  it("tries docker login and docker push again after 5xx, resets and timeouts", async () => {
    const { engine, runner, waits } = flaky({
      login: ['Error response from daemon: Get "https://r/v2/": net/http: TLS handshake timeout\n'],
      push: [unavailable, "write tcp 10.0.0.2:5000: connection reset by peer\n"],
    });
    await engine.login("r", "AWS", PASSWORD);
    expect(await engine.push(target)).toEqual({ digest: `sha256:${"a".repeat(64)}`, size: 528 });
    expect(runner.callsOf("login")).toHaveLength(2);
    expect(runner.callsOf("push")).toHaveLength(3);
    expect(waits).toHaveLength(3);
    await engine.dispose();
  });

  it("stops after AWS_MAX_ATTEMPTS and says the network kept failing", async () => {
    const { engine, runner } = flaky(
      { push: [unavailable, unavailable, unavailable] },
      { ...USER_ENV, AWS_MAX_ATTEMPTS: "2" },
    );
    await expect(engine.push(target)).rejects.toThrow(
      `docker push ${target} kept failing on the network (received unexpected HTTP status: 503 Service Unavailable): check the network, proxy settings and the registry's status, then push again.`,
    );
    expect(runner.callsOf("push")).toHaveLength(2);
  });

  it("ends a back-off at once when the push is cancelled", async () => {
    const runner = new FakeRunner(() => ({ exitCode: 1, stderr: unavailable }));
    const controller = new AbortController();
    // A clock whose sleeps end only when the signal aborts: nothing waits for real.
    const sleeps: number[] = [];
    const clock = {
      now: () => new Date(0),
      sleep: (ms: number, signal?: AbortSignal) =>
        new Promise<void>((_resolve, reject) => {
          sleeps.push(ms);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
          controller.abort();
        }),
    };
    const engine = createDockerEngine({ runner, env: USER_ENV, dockerPath: "/opt/docker", tempDir, clock });
    await expect(engine.push(target, undefined, controller.signal)).rejects.toThrow(/docker push/);
    expect(sleeps).toHaveLength(1);
    expect(runner.callsOf("push")).toHaveLength(1);
  });

  it("never retries refused credentials, an immutable tag or a missing repository", async () => {
    for (const stderr of [
      "unauthorized: authentication required\n",
      "tag invalid: The image tag '1' already exists and cannot be overwritten because the repository is immutable.\n",
      "name unknown: The repository with name 'web' does not exist in the registry with id '123456789012'\n",
    ]) {
      const { engine, runner, waits } = flaky({ push: [stderr] });
      await expect(engine.push(target)).rejects.toThrow();
      expect(runner.callsOf("push")).toHaveLength(1);
      expect(waits).toEqual([]);
    }
  });
});
