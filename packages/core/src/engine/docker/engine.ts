import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { retryPolicyFromEnv } from "../../aws/retry.js";
import { PushFailedError } from "../../errors/index.js";
import type { Clock, ContainerEngine, LocalImage, PushedImage, PushProgress } from "../../ports/index.js";
import { backOff, RetryBudget, type RetryPolicy, systemClock } from "../../retry/index.js";
import { removeOnExit } from "../cleanup.js";
import {
  findExecutable,
  nodeProcessRunner,
  type ProcessRunner,
  ProcessStartError,
  type RunOptions,
  type RunResult,
} from "../process/index.js";
import {
  type DockerAction,
  dockerFailure,
  dockerNotFound,
  isTransientDockerFailure,
  scrub,
} from "./errors.js";
import {
  daemonEnvFromContext,
  digestForRepository,
  parseImageInspect,
  parsePushDigest,
  repositoryOf,
} from "./parse.js";

export interface DockerEngineOptions {
  /** The environment docker runs with; the caller passes process.env (core never reads it itself). */
  env: Record<string, string | undefined>;
  runner?: ProcessRunner;
  /** The docker executable; when set, PATH is not searched. */
  dockerPath?: string;
  /** Where the private DOCKER_CONFIG directory is created; defaults to os.tmpdir(). */
  tempDir?: string;
  /** Receives the commands run and docker's chatter; never a secret. */
  debug?: (line: string) => void;
  /** Defaults to process.platform; decides the PATH search and the default daemon address. */
  platform?: NodeJS.Platform;
  /** Time for the back-off between attempts of a login or push that failed on the network. */
  clock?: Clock;
  /** Variables of the host that docker must not inherit (see HostPorts.secretVariables). */
  hostSecrets?: RegExp;
  /**
   * Use podman when docker is not on PATH. Its inspect, save, tag, rm and push read as docker's;
   * its logins go to an auth file of its own (REGISTRY_AUTH_FILE) instead of a DOCKER_CONFIG.
   */
  orPodman?: boolean;
}

/** A running `docker save`: the archive's bytes, and its end (a failure is one sentence). */
export interface ImageExport {
  stream: Readable;
  /** Resolves once the export exited 0; rejects with the sentence of its failure. */
  done: Promise<void>;
  /** Stops the export early. */
  kill(): void;
  /** How the command reads in a message (`docker save sha256:...`). */
  command: string;
}

/** How docker ("No such image") and podman ("image not known") say an image is missing. */
const NO_SUCH_IMAGE = /no such image|image not known/i;

/**
 * Seeds the private config so that it "contains auth": docker then keeps credentials in this file
 * instead of detecting a platform credential helper (osxkeychain, wincred, pass, secretservice),
 * which would put them somewhere dispose() cannot reach.
 */
const SEED_CONFIG = `${JSON.stringify({ auths: { "ecr-push.invalid": {} } }, null, 2)}\n`;

/** A ContainerEngine driving the docker CLI; credentials live in a private DOCKER_CONFIG until dispose(). */
export class DockerCliEngine implements ContainerEngine {
  readonly #env: Record<string, string | undefined>;
  readonly #runner: ProcessRunner;
  readonly #dockerPath: string | undefined;
  readonly #tempDir: string;
  readonly #debug: (line: string) => void;
  readonly #platform: NodeJS.Platform;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #hostSecrets: RegExp | undefined;
  readonly #orPodman: boolean;
  #executable: Promise<string> | undefined;
  /** The CLI's name as messages spell it: `docker`, or `podman` once the executable is podman. */
  #cli = "docker";
  /** Set by the first login: the private config directory and the env overrides that use it. */
  #session:
    | { dir: string; env: Record<string, string | undefined>; unregisterExitHook: () => void }
    | undefined;
  #starting: Promise<void> | undefined;

  constructor(options: DockerEngineOptions) {
    this.#env = options.env;
    this.#runner = options.runner ?? nodeProcessRunner;
    this.#dockerPath = options.dockerPath;
    this.#tempDir = options.tempDir ?? tmpdir();
    this.#debug = options.debug ?? (() => {});
    this.#platform = options.platform ?? process.platform;
    // AWS_MAX_ATTEMPTS, as for every other request of the push.
    this.#retry = retryPolicyFromEnv(options.env);
    this.#clock = options.clock ?? systemClock;
    this.#hostSecrets = options.hostSecrets;
    this.#orPodman = options.orPodman ?? false;
  }

  /**
   * Streams `docker save` of one image (by ID, so a tag moved meanwhile cannot change what is
   * exported) as the daemon writes it: classic archives, or OCI layouts from newer daemons.
   */
  async save(imageId: string, signal?: AbortSignal): Promise<ImageExport> {
    const executable = await this.#resolveExecutable();
    const runner = this.#runner;
    if (!runner.stream) throw new Error("this process runner cannot stream an export");
    const command = `${this.#cli} save ${imageId}`;
    this.#debug(command);
    const child = runner.stream(executable, ["save", imageId], {
      env: withoutCredentials(this.#env, this.#hostSecrets),
      signal,
      onStderrLine: (line) => {
        if (line) this.#debug(line);
      },
    });
    const done = child.done.then(
      (result) => {
        if (result.exitCode !== 0) throw this.#failure("save", imageId, command, result);
      },
      (error: unknown) => {
        if (error instanceof ProcessStartError && error.errno === "ENOENT")
          throw dockerNotFound(this.#dockerPath, error, this.#orPodman);
        throw error;
      },
    );
    done.catch(() => {}); // the reader awaits it once the stream has ended
    return { stream: child.stdout, done, kill: () => child.kill(), command };
  }

  async inspect(reference: string, signal?: AbortSignal): Promise<LocalImage | undefined> {
    const result = await this.#docker(["image", "inspect", "--format", "{{json .}}", reference], { signal });
    if (result.exitCode !== 0) {
      if (NO_SUCH_IMAGE.test(result.stderr)) return undefined;
      throw this.#failure("inspect", reference, `${this.#cli} image inspect ${reference}`, result);
    }
    const image = parseImageInspect(result.stdout);
    if (!image) {
      throw new PushFailedError(
        "DockerCommandFailed",
        `${this.#cli} image inspect ${reference} printed something other than an image description: update ${this.#product()} and retry.`,
      );
    }
    return image;
  }

  async login(registry: string, username: string, password: string, signal?: AbortSignal): Promise<void> {
    await this.#privateConfig(signal);
    const result = await this.#retrying(`${this.#cli} login ${registry}`, signal, () =>
      this.#docker(["login", "--username", username, "--password-stdin", registry], {
        signal,
        stdin: password,
        // Includes the "stored unencrypted" warning, which is expected here: the file is temporary.
        onStderrLine: (line) => {
          if (line) this.#debug(scrub(line, password));
        },
      }),
    );
    if (result.exitCode !== 0) {
      const scrubbed = { ...result, stderr: scrub(result.stderr, password) };
      throw this.#failure("login", registry, `${this.#cli} login ${registry}`, scrubbed);
    }
  }

  async tag(source: string, target: string, signal?: AbortSignal): Promise<void> {
    const result = await this.#docker(["tag", source, target], { signal });
    if (result.exitCode !== 0)
      throw this.#failure("tag", source, `${this.#cli} tag ${source} ${target}`, result);
  }

  async push(
    target: string,
    onProgress?: (progress: PushProgress) => void,
    signal?: AbortSignal,
  ): Promise<PushedImage> {
    // podman writes the pushed manifest's digest to a file (its progress goes to stderr); docker
    // prints it on stdout. The file lives in the private folder removed by dispose().
    await this.#resolveExecutable();
    const podman = this.#cli === "podman";
    if (podman) await this.#privateConfig(signal);
    const digestFile = podman && this.#session ? path.join(this.#session.dir, "pushed-digest") : undefined;
    const args = digestFile ? ["push", "--digestfile", digestFile, target] : ["push", target];
    const progress = (line: string) => {
      if (line.trim()) onProgress?.({ line });
    };
    // A push again after a network failure is safe: layers already uploaded are skipped, and the
    // manifest (the tag) is written only once every layer is there.
    const result = await this.#retrying(`${this.#cli} push ${target}`, signal, () =>
      this.#docker(args, {
        signal,
        onStdoutLine: progress,
        onStderrLine: (line) => {
          if (podman) progress(line);
          else if (line) this.#debug(line);
        },
      }),
    );
    if (result.exitCode !== 0) throw this.#failure("push", target, `${this.#cli} push ${target}`, result);
    const pushed = digestFile ? await readDigestFile(digestFile) : parsePushDigest(result.stdout);
    if (pushed) return pushed;
    // Older or unusual docker versions may not print the digest line: the daemon still records it.
    this.#debug(`${this.#cli} push ${target} gave no digest; reading RepoDigests instead`);
    const image = await this.inspect(target, signal);
    const digest = image && digestForRepository(image.repoDigests, repositoryOf(target));
    if (!digest) {
      throw new PushFailedError(
        "DigestNotFound",
        `${this.#cli} push ${target} finished but neither its output nor ${this.#cli} image inspect gave the pushed digest: update ${this.#product()} and retry.`,
      );
    }
    return { digest };
  }

  async remove(reference: string, signal?: AbortSignal): Promise<void> {
    let result = await this.#docker(["image", "rm", reference], { signal });
    // A stopped container still using the image blocks removing its last tag; --force then only
    // untags it. Never forced by ID, which would delete the image under every tag.
    if (
      result.exitCode !== 0 &&
      /must force/i.test(result.stderr) &&
      !/^(sha256:)?[0-9a-f]{12,64}$/.test(reference)
    ) {
      this.#debug(
        `${this.#cli} image rm ${reference}: the image is in use by a container; untagging with --force`,
      );
      result = await this.#docker(["image", "rm", "--force", reference], { signal });
    }
    if (result.exitCode !== 0 && !NO_SUCH_IMAGE.test(result.stderr)) {
      throw this.#failure("remove", reference, `${this.#cli} image rm ${reference}`, result);
    }
  }

  async dispose(): Promise<void> {
    await this.#starting?.catch(() => {});
    this.#starting = undefined;
    const session = this.#session;
    this.#session = undefined;
    if (!session) return;
    try {
      await rm(session.dir, { recursive: true, force: true, maxRetries: 3 });
      session.unregisterExitHook();
    } catch (error) {
      // The exit hook stays registered and tries again when the process ends.
      this.#debug(`Could not remove ${session.dir} yet: ${(error as Error).message}`);
    }
  }

  /** Creates the private DOCKER_CONFIG once; every later command uses it. */
  #privateConfig(signal: AbortSignal | undefined): Promise<void> {
    this.#starting ??= this.#startSession(signal).catch((error: unknown) => {
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  async #startSession(signal: AbortSignal | undefined): Promise<void> {
    await this.#resolveExecutable();
    const podman = this.#cli === "podman";
    // Resolved first, with the user's config: the private config has no context store. podman has
    // no contexts (CONTAINER_HOST, its own variable, is passed on as it is).
    const daemon = podman ? {} : await this.#daemonOfCurrentContext(signal);
    let dir: string | undefined;
    let unregisterExitHook = () => {};
    try {
      dir = await mkdtemp(path.join(this.#tempDir, "ecr-push-docker-"));
      unregisterExitHook = removeOnExit(dir);
      await writeFile(path.join(dir, "config.json"), SEED_CONFIG, { mode: 0o600 });
    } catch (error) {
      if (dir) await rm(dir, { recursive: true, force: true });
      unregisterExitHook();
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new PushFailedError(
        "TempDirUnavailable",
        `Could not create a private Docker config folder in ${this.#tempDir} (${reason}): make the temporary folder writable or choose another.`,
        { cause: error },
      );
    }
    // podman keeps logins in REGISTRY_AUTH_FILE, where its push reads them back.
    const env = podman
      ? { REGISTRY_AUTH_FILE: path.join(dir, "auth.json") }
      : { ...daemon, DOCKER_CONFIG: dir, DOCKER_CONTEXT: undefined };
    this.#debug(`Using a private ${podman ? "REGISTRY_AUTH_FILE" : "DOCKER_CONFIG"} in ${dir}`);
    this.#session = { dir, env, unregisterExitHook };
  }

  /** DOCKER_HOST (and TLS settings) of the user's current docker context, unless DOCKER_HOST is set. */
  async #daemonOfCurrentContext(signal: AbortSignal | undefined): Promise<Record<string, string>> {
    if (this.#env.DOCKER_HOST) return {};
    const result = await this.#docker(["context", "inspect", "--format", "{{json .}}"], { signal });
    const env = result.exitCode === 0 ? daemonEnvFromContext(result.stdout) : {};
    this.#debug(`Current docker context endpoint: ${env.DOCKER_HOST ?? "unknown (using docker's default)"}`);
    return env;
  }

  /** Runs docker with the engine's environment; a missing executable becomes DockerNotFound. */
  async #docker(args: string[], options: Omit<RunOptions, "env">): Promise<RunResult> {
    const executable = await this.#resolveExecutable();
    const env = { ...withoutCredentials(this.#env, this.#hostSecrets), ...this.#session?.env };
    this.#debug(`${this.#cli} ${args.join(" ")}`);
    try {
      return await this.#runner.run(executable, args, { ...options, env });
    } catch (error) {
      if (error instanceof ProcessStartError && error.errno === "ENOENT")
        throw dockerNotFound(this.#dockerPath, error, this.#orPodman);
      throw error;
    }
  }

  #resolveExecutable(): Promise<string> {
    this.#executable ??= (async () => {
      const lookup = { env: this.#env, platform: this.#platform };
      // docker first when both are installed; an explicit path is used as it is (podman's too).
      const found =
        this.#dockerPath ??
        findExecutable("docker", lookup) ??
        (this.#orPodman ? findExecutable("podman", lookup) : undefined);
      if (!found) throw dockerNotFound(undefined, undefined, this.#orPodman);
      if (isPodman(found)) this.#cli = "podman";
      if (!this.#dockerPath) this.#debug(`Using the container CLI at ${found}`);
      return found;
    })();
    return this.#executable;
  }

  /** How the installation to update is named in a message. */
  #product(): string {
    return this.#cli === "podman" ? "podman" : "Docker";
  }

  /**
   * Runs a registry-facing command again while it fails on the network (dockerd retries layer
   * uploads itself, but not a login, a manifest or a refused connection), with full-jitter back-off
   * up to the policy's attempts; any other failure is returned at once for #failure to explain.
   */
  async #retrying(what: string, signal: AbortSignal | undefined, run: () => Promise<RunResult>) {
    const budget = new RetryBudget(this.#retry, this.#clock);
    for (;;) {
      const result = await run();
      if (result.exitCode === 0 || signal?.aborted || !isTransientDockerFailure(result.stderr)) return result;
      const wait = budget.failed();
      if (wait === undefined) return result;
      this.#debug(`${what} failed on the network (attempt ${budget.attempts}); trying again in ${wait} ms`);
      // Cancelled mid-wait: the wait ends at once, and the failed result is what is reported.
      await backOff(this.#clock, wait, signal);
      if (signal?.aborted) return result;
    }
  }

  #failure(action: DockerAction, subject: string, command: string, result: RunResult) {
    const daemonHost =
      this.#session?.env.DOCKER_HOST ??
      this.#env.DOCKER_HOST ??
      (this.#platform === "win32" ? "npipe:////./pipe/docker_engine" : "unix:///var/run/docker.sock");
    return dockerFailure({
      action,
      subject,
      command,
      stderr: result.stderr,
      exitCode: result.exitCode,
      daemonHost,
    });
  }
}

/**
 * The AWS variables carry the job's keys and tokens. docker needs none of them (it logs in through
 * the private DOCKER_CONFIG), and a child's environment is readable by other processes of the same
 * user, so they are not passed on; nor are the host's own secret variables (`hostSecrets`, named
 * by the host: its inputs, OIDC request tokens, service-connection data).
 */
const AWS_VARIABLES = /^AWS_/i;

/** The environment minus the AWS variables and the host's secret ones. */
export function withoutCredentials(
  env: Record<string, string | undefined>,
  hostSecrets?: RegExp,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !AWS_VARIABLES.test(name) && !hostSecrets?.test(name)),
  );
}

/** True for `podman`, `/usr/bin/podman`, `C:\\...\\podman.exe`: the executable's name decides. */
export function isPodman(executable: string): boolean {
  const name = executable.split(/[\\/]/).pop() ?? "";
  return /^podman(\.exe)?$/i.test(name);
}

/** The digest podman wrote with --digestfile, or undefined when the file holds none. */
async function readDigestFile(file: string): Promise<PushedImage | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  const digest = text.trim();
  return /^sha256:[0-9a-f]{64}$/.test(digest) ? { digest } : undefined;
}

/** The docker CLI engine; pass `env: process.env` from the host. */
export function createDockerEngine(options: DockerEngineOptions): DockerCliEngine {
  return new DockerCliEngine(options);
}
