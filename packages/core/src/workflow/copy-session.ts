import { maskSecretInputs, planCredentials, resolveCredentials } from "../aws/credentials.js";
import type { EcrApi, EcrApiOptions } from "../aws/ecr.js";
import type { AwsEnv } from "../aws/env.js";
import { resolveRegion } from "../aws/region.js";
import type { Clock, Logger, Outputs, SecretMasker } from "../ports/index.js";
import type { CredentialInputs, InputNames } from "../request/index.js";
import { resolveInputNames } from "../request/index.js";
import type { PushResult } from "./run-push.js";
import { checkAborted } from "./steps.js";

/** The ECR calls retag and promote make; a seam so unit tests can answer them without a network. */
export type CopyEcrApi = Pick<
  EcrApi,
  | "getAuthorization"
  | "describeRepository"
  | "ensureRepository"
  | "batchGetImages"
  | "putImage"
  | "repositoryDetails"
  | "imageSize"
  | "imageStatus"
  | "destroy"
>;

export interface CopyDeps {
  logger: Logger;
  outputs: Outputs;
  secrets: SecretMasker;
  clock: Clock;
  /** The process environment (AWS_*, DOCKER_CONFIG, HOME); adapters pass `process.env`. */
  env: AwsEnv;
  signal?: AbortSignal;
  inputNames?: Partial<InputNames>;
  /** Builds the ECR client (the real one by default). */
  ecr?: (options: EcrApiOptions) => CopyEcrApi;
}

/** What retag and promote report: what push reports, plus the source's digest. */
export interface CopyResult extends PushResult {
  /** Digest of the source image: equal to `digest` unless platforms were filtered out. */
  sourceDigest: string;
}

/** Region, credentials and an ECR client for one side of a copy. */
export async function connectEcr(
  deps: CopyDeps,
  side: {
    region?: string;
    /** The dualStack input (undefined: AWS_USE_DUALSTACK_ENDPOINT decides). */
    dualStack?: boolean;
    credentials: CredentialInputs;
    env?: AwsEnv;
    label: string;
  },
): Promise<{ ecr: CopyEcrApi; region: string }> {
  const { logger, signal } = deps;
  const env = side.env ?? deps.env;
  const names = resolveInputNames(deps.inputNames);
  maskSecretInputs(side.credentials, deps.secrets, env);
  const { region, source } = await resolveRegion({
    region: side.region,
    env,
    regionInputName: names.region,
    signal,
  });
  logger.debug(`${side.label}: region ${region} (from ${source}).`);
  logger.debug(`${side.label}: credentials from ${planCredentials(side.credentials, env).description}.`);
  const credentials = await resolveCredentials(side.credentials, {
    region,
    env,
    secrets: deps.secrets,
    inputNames: deps.inputNames,
    dualStack: side.dualStack,
  });
  checkAborted(signal);
  const options: EcrApiOptions = {
    region,
    credentials,
    env,
    logger,
    secrets: deps.secrets,
    signal,
    dualStack: side.dualStack,
  };
  if (deps.ecr) return { ecr: deps.ecr(options), region };
  const { EcrApi } = await import("../aws/ecr.js");
  return { ecr: new EcrApi(options), region };
}
