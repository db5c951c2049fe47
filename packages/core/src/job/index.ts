import { createDockerEngine } from "../engine/index.js";
import { type EcrPushError, isEcrPushError, PushFailedError } from "../errors/index.js";
import type { Clock, ContainerEngine, Logger, Outputs, SecretMasker } from "../ports/index.js";
import { type InputNames, type PushRequest, resolveInputNames } from "../request/index.js";
import { systemClock } from "../retry/index.js";
import { type PushResult, runPush } from "../workflow/index.js";

export { systemClock };

/**
 * What a host adapter provides: its log, outputs and secret masking, the process environment,
 * and how it spells the inputs. Everything else (engine, AWS, time) is the job's business.
 */
export interface HostPorts {
  logger: Logger;
  outputs: Outputs;
  secrets: SecretMasker;
  /** The process environment (AWS_*, DOCKER_HOST, PATH); adapters pass `process.env`. */
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  inputNames?: Partial<InputNames>;
  /** The docker executable; by default `docker` is found on PATH. */
  dockerPath?: string;
  /**
   * Where temporary credentials may be written (a private folder removed after the push); the
   * host's own temporary folder for the job when it has one, else os.tmpdir().
   */
  tempDir?: string;
  /**
   * A folder that outlives the job, for the registry engine's layer cache (which compressed blob
   * each layer became): the runner's tool cache on a CI host, the user's cache folder for the CLI.
   * Without it nothing is cached between runs.
   */
  cacheDir?: string;
  clock?: Clock;
  /**
   * The host's variables a child process (docker) must not inherit: its inputs, OIDC request
   * tokens, service-connection data. Core drops the AWS variables itself.
   */
  secretVariables?: RegExp;
}

/** Pushes an already validated request with the engine that fits its source. */
export async function pushRequest(request: PushRequest, host: HostPorts): Promise<PushResult> {
  const engine = await engineFor(request, host);
  return await runPush(request, {
    logger: host.logger,
    outputs: host.outputs,
    secrets: host.secrets,
    engine,
    clock: host.clock ?? systemClock,
    env: host.env,
    signal: host.signal,
    inputNames: host.inputNames,
  });
}

/**
 * The registry engine for every source: a local image is exported from the daemon (docker, else
 * podman) and pushed by ecr-push itself. `engine: docker` keeps docker push (or podman push) for
 * local images.
 */
async function engineFor(request: PushRequest, host: HostPorts): Promise<ContainerEngine> {
  const debug = (line: string) => host.logger.debug(line);
  const { source } = request;
  const clock = host.clock ?? systemClock;
  const dockerOptions = {
    env: host.env,
    dockerPath: host.dockerPath,
    tempDir: host.tempDir,
    debug,
    clock,
    hostSecrets: host.secretVariables,
  };
  // docker, else podman (whose push works as docker's), unless the host named the executable.
  if (request.engine === "docker")
    return createDockerEngine({ ...dockerOptions, orPodman: !host.dockerPath });
  // Loaded only for this engine: a docker push never pays for it.
  const { createRegistryEngine } = await import("../engine/registry/index.js");
  const common = {
    sourceInputName: resolveInputNames(host.inputNames).source,
    concurrency: request.concurrency,
    compression: request.compression,
    debug,
    env: host.env,
    cacheDir: host.cacheDir,
    tempDir: host.tempDir,
    clock,
    selection: {
      platforms: request.platforms,
      dropAttestations: request.dropAttestations,
      platformName: resolveInputNames(host.inputNames).platform,
    },
  };
  if ((source.kind === "docker-archive" || source.kind === "oci") && source.path) {
    const engine = createRegistryEngine({
      ...common,
      source: { kind: source.kind, path: source.path, image: source.image, reference: source.reference },
    });
    // Read before anything goes to AWS: a bad path is bad input, and nothing has been sent yet.
    await engine.inspect(source.reference);
    return engine;
  }
  const daemon = createDockerEngine({ ...dockerOptions, orPodman: !host.dockerPath });
  return createRegistryEngine({ ...common, source: { kind: "daemon", reference: source.reference, daemon } });
}

/**
 * Any failure as an EcrPushError, so every host reports the same one sentence. Something the
 * workflow did not anticipate still becomes one line (its first), never a stack.
 */
export function asEcrPushError(error: unknown): EcrPushError {
  if (isEcrPushError(error)) return error;
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split("\n")[0]?.trim() || "unknown error";
  return new PushFailedError("Unexpected", `The push failed unexpectedly: ${first}`, { cause: error });
}
