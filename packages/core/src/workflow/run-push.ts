import { maskSecretInputs, planCredentials, resolveCredentials } from "../aws/credentials.js";
import type { EcrApi, EcrAuthorization } from "../aws/ecr.js";
import { ECR_PUBLIC_REGION } from "../aws/ecr-public-region.js";
import type { AwsEnv } from "../aws/env.js";
import { checkEndpointEnv } from "../aws/env.js";
import { type ResolvedRegion, resolveRegion } from "../aws/region.js";
import { ensureOptionsFor } from "../aws/repository-target.js";
import { checkRetryEnv } from "../aws/retry.js";
import { PushFailedError } from "../errors/index.js";
import type {
  Clock,
  ContainerEngine,
  LocalImage,
  Logger,
  Outputs,
  PushedImage,
  PushedTags,
  PushProgress,
  SecretMasker,
  TagPushOptions,
} from "../ports/index.js";
import {
  type EcrPublicTarget,
  type InputNames,
  type PushRequest,
  resolveInputNames,
} from "../request/index.js";
import { openPublicSession, wantsDualStack } from "./public-session.js";
import {
  abortedOr,
  checkAborted,
  setResultOutputs,
  startedNow,
  tagResultsOf,
  WorkflowErrorCodes,
} from "./steps.js";

export interface PushDeps {
  logger: Logger;
  outputs: Outputs;
  secrets: SecretMasker;
  engine: ContainerEngine;
  clock: Clock;
  /** The AWS environment; adapters pass `process.env`. */
  env: AwsEnv;
  signal?: AbortSignal;
  /** How the host spells its inputs, so messages name what the user typed. */
  inputNames?: Partial<InputNames>;
}

export interface PushResult {
  /** URI of the first tag. */
  imageUri: string;
  /** One URI per tag, in the order given. */
  imageUris: string[];
  digest: string;
  registry: string;
  repository: string;
  tags: string[];
  /** Account id of the registry ("" when the endpoint does not say, e.g. a local one). */
  registryId: string;
  region: string;
  repositoryCreated: boolean;
  sourceImageId: string;
  /** Size of the pushed image as ECR reports it (compressed layers), when it does. */
  imageSizeBytes?: number;
  /** What happened to each tag, in the order given. Retag and promote report them too. */
  tagResults: TagResult[];
}

/**
 * One tag's outcome: `pushed` (the tag now points at the image; blobs it needed were sent) or
 * `unchanged` (it already pointed at this image, so nothing was sent for it: a re-run).
 */
export interface TagResult {
  tag: string;
  imageUri: string;
  status: "pushed" | "unchanged";
}

/** Stable codes of the failures the workflow itself reports (AWS ones are in `AwsErrorCodes`). */
export { WorkflowErrorCodes } from "./steps.js";

/**
 * Pushes the validated request: inspect the source, resolve region and credentials, log in to
 * the registry, ensure the repository, then tag and push each tag. Whatever happens, the local
 * tags this run created are removed and the engine is disposed; the source too when asked and pushed.
 */
export async function runPush(request: PushRequest, deps: PushDeps): Promise<PushResult> {
  const { logger, engine, signal } = deps;
  const names = resolveInputNames(deps.inputNames);
  maskSecretInputs(request.credentials, deps.secrets, deps.env);
  const started = deps.clock.now().getTime();
  const createdTags: string[] = [];
  // The source is removed only after a successful push: after a failure the user can retry.
  let pushed = false;
  let ecr: Pick<EcrApi, "imageSize" | "recentImages" | "destroy"> | undefined;
  try {
    checkAborted(signal);
    checkRetryEnv(deps.env);
    checkEndpointEnv(deps.env);
    // The local inspect runs alongside the read-only AWS calls; nothing is created or logged in to
    // before it has confirmed the source exists.
    const inspection = startedNow(
      engine.inspect(request.source.reference, signal).then((found) => {
        if (!found) {
          throw new PushFailedError(
            WorkflowErrorCodes.sourceImageNotFound,
            `Source image "${request.source.reference}" was not found in the local engine: check ${names.source} (docker images lists the local images).`,
          );
        }
        return found;
      }),
    );
    // The ECR client (most of the AWS SDK) loads while docker inspects: start-up overlaps real work.
    const ecrModule = import("../aws/ecr.js");

    const { region, source } = request.ecrPublic
      ? publicRegion(request, deps, names)
      : await resolveRegion({
          region: request.region,
          env: deps.env,
          regionInputName: names.region,
          signal,
        });
    logger.debug(`Region ${region} (from ${source}).`);

    const session = await logger.group("Authenticating", async () => {
      checkAborted(signal);
      logger.debug(`Credentials: ${planCredentials(request.credentials, deps.env).description}.`);
      const credentials = await resolveCredentials(request.credentials, {
        region,
        env: deps.env,
        secrets: deps.secrets,
        inputNames: deps.inputNames,
        dualStack: request.dualStack,
      });
      checkAborted(signal);
      if (request.ecrPublic) {
        const { EcrPublicApi } = await import("../aws/ecr-public.js");
        const api = new EcrPublicApi({
          credentials,
          env: deps.env,
          logger,
          secrets: deps.secrets,
          dualStack: wantsDualStack(request.ecrPublic, request.dualStack, deps.env),
          signal,
        });
        ecr = {
          imageSize: (repository, _registryId, digest) => api.imageSize(repository, digest),
          recentImages: () => api.recentImages(),
          destroy: () => api.destroy(),
        };
        return openPublicSession(request as PushRequest & { ecrPublic: EcrPublicTarget }, {
          api,
          deps,
          names,
          inspection,
          tagTarget: (target, image) => tagTarget(request.source.reference, target, image, deps, createdTags),
        });
      }
      const { EcrApi } = await ecrModule;
      const api = new EcrApi({
        region,
        credentials,
        env: deps.env,
        logger,
        secrets: deps.secrets,
        signal,
        dualStack: request.dualStack,
      });
      ecr = api;
      // The read-only repository check runs alongside the token request.
      const described = startedNow(api.describeRepository(request.repository, request.registryId));
      // So do the reads of what each tag names now, for an engine that states them before it sends.
      const current = engine.pushTags
        ? startedNow(
            described.then((repository) =>
              "missing" in repository
                ? request.tags.map(() => undefined)
                : api.batchGetImages(
                    request.repository,
                    request.registryId,
                    request.tags.map((imageTag) => ({ imageTag })),
                  ),
            ),
          )
        : undefined;
      const auth = await api.getAuthorization(request.registryId);
      const image = await inspection;
      logger.debug(`Source ${request.source.reference} is image ${image.id}.`);
      checkAborted(signal);
      const targets = request.tags.map((tag) => `${auth.registry}/${request.repository}:${tag}`);
      // Independent of each other: the repository check (or creation), the registry login and the
      // local target tags.
      const [repository] = await settleAll([
        api.ensureRepository(ensureOptionsFor(request, auth.registry, names.createRepository), described),
        engine.login(auth.registry, auth.username, auth.password, signal, {
          expiresAt: auth.expiresAt,
          // A push may outlast the token (12 hours on ECR): engines that speak to the registry
          // themselves (daemonless) call this before it expires. The docker engine cannot: docker
          // push reads its credentials once and retries on its own, so a push through docker must
          // finish within the token's lifetime.
          refresh: async () => {
            const fresh = await api.getAuthorization(request.registryId);
            logger.debug(
              `Refreshed the registry token (valid until ${fresh.expiresAt?.toISOString() ?? "?"}).`,
            );
            return fresh;
          },
          layerParts: api.layerParts(request.registryId),
        }),
        // An engine that pushes all tags itself tags nothing locally.
        engine.pushTags
          ? Promise.resolve([])
          : settleAll(
              targets.map((target) => tagTarget(request.source.reference, target, image, deps, createdTags)),
            ),
      ]);
      logger.info(`Logged in to ${auth.registry}.`);
      return { auth, repository, image, targets, current: await current };
    });
    const { image, targets: imageUris } = session;

    const pushes: PushedImage[] = [];
    const unchanged = new Set<string>();
    if (engine.pushTags) {
      const { repository, current } = session;
      const pushed = await logger.group(`Pushing ${imageUris.join(", ")}`, () =>
        pushAllTargets(imageUris, deps, {
          current: current ?? [],
          tagMutability: repository.tagMutability,
          // A repository this push created holds nothing yet.
          recent: () =>
            repository.created
              ? Promise.resolve([])
              : (ecr as Pick<EcrApi, "recentImages">).recentImages(
                  request.repository,
                  request.registryId,
                  RECENT_IMAGES,
                ),
        }),
      );
      pushes.push(pushed);
      for (const target of pushed.unchanged) unchanged.add(request.tags[imageUris.indexOf(target)] ?? "");
    } else {
      for (const target of imageUris) {
        pushes.push(await logger.group(`Pushing ${target}`, () => pushTarget(target, deps)));
      }
    }
    const digest = sameDigest(
      imageUris.slice(0, pushes.length),
      pushes.map((pushed) => pushed.digest),
    );
    // The engine may know the size already (daemonless); else ECR says, with one more call.
    const imageSizeBytes =
      pushes[0]?.imageSizeBytes ?? (await ecr?.imageSize(request.repository, request.registryId, digest));

    const result = resultOf(request, session.auth, {
      imageUris,
      digest,
      region,
      registryId: session.repository.registryId,
      repositoryCreated: session.repository.created,
      sourceImageId: image.id,
      imageSizeBytes,
      tagResults: tagResultsOf(request.tags, imageUris, unchanged),
    });
    setResultOutputs(deps.outputs, result);
    pushed = true;
    const seconds = ((deps.clock.now().getTime() - started) / 1000).toFixed(1);
    const already = result.tagResults.filter((tag) => tag.status === "unchanged").map((tag) => tag.tag);
    const note =
      already.length === 0
        ? ""
        : already.length === imageUris.length
          ? "; every tag already named this image, so nothing was sent"
          : `; ${already.join(", ")} already named this image`;
    logger.info(`Pushed ${imageUris.join(", ")} (${digest}) in ${seconds} s${note}.`);
    return result;
  } catch (error) {
    throw abortedOr(error, signal);
  } finally {
    ecr?.destroy();
    await cleanUp(
      deps,
      createdTags,
      request.removeLocalImage && pushed ? request.source.reference : undefined,
    );
  }
}

/**
 * ECR Public's API is in us-east-1 only: that is the push's region, whatever the job's. A region
 * input naming another is said once, not refused (jobs that push to both keep one setting).
 */
function publicRegion(request: PushRequest, deps: PushDeps, names: InputNames): ResolvedRegion {
  if (request.region && request.region !== ECR_PUBLIC_REGION) {
    deps.logger.info(
      `ECR Public's API is in ${ECR_PUBLIC_REGION} only, so the push uses ${ECR_PUBLIC_REGION} rather than ${names.region} ${request.region}.`,
    );
  }
  return { region: ECR_PUBLIC_REGION, source: "ECR Public's only region" };
}

/**
 * Tags the source as one target. A target the source already carried stays after the push; any
 * other is ours to remove (had it named another image, tagging moved it, so removal loses nothing more).
 */
async function tagTarget(
  source: string,
  target: string,
  image: LocalImage,
  deps: PushDeps,
  createdTags: string[],
): Promise<void> {
  await deps.engine.tag(source, target, deps.signal);
  if (!image.repoTags.includes(target)) createdTags.push(target);
}

/** An engine's progress onto the log: live transfers where the host shows them, lines always. */
function progressTo(logger: Logger): (progress: PushProgress) => void {
  return (progress) => {
    if (progress.transfer) logger.progress?.(progress.transfer);
    if (progress.line) logger.info(progress.line);
  };
}

/** Images of the repository, newest first, whose layers a push may reuse. */
const RECENT_IMAGES = 3;

async function pushAllTargets(
  targets: string[],
  deps: PushDeps,
  state: Pick<TagPushOptions, "current" | "tagMutability" | "recent">,
): Promise<PushedTags> {
  const { engine, logger, signal } = deps;
  checkAborted(signal);
  const pushTags = engine.pushTags?.bind(engine);
  if (!pushTags) throw new Error("this engine pushes one target at a time");
  const pushed = await pushTags(targets, { ...state, signal, onProgress: progressTo(logger) });
  logger.debug(`${targets.join(", ")}: digest ${pushed.digest}`);
  return pushed;
}

async function pushTarget(target: string, deps: PushDeps): Promise<PushedImage> {
  const { engine, logger, signal } = deps;
  checkAborted(signal);
  const pushed = await engine.push(target, progressTo(logger), signal);
  logger.debug(`${target}: digest ${pushed.digest}`);
  return pushed;
}

/**
 * Waits for every operation to settle, then throws the first failure: cleanup never races a
 * command still running (a login still writing credentials, a tag not yet made).
 */
async function settleAll<T extends readonly unknown[]>(
  promises: { [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Every tag names the same image, so every push must report the same manifest digest. */
function sameDigest(imageUris: string[], digests: string[]): string {
  const first = digests[0] ?? "";
  if (digests.every((digest) => digest === first)) return first;
  const pairs = imageUris.map((uri, i) => `${uri} ${digests[i]}`).join(", ");
  throw new PushFailedError(
    WorkflowErrorCodes.digestMismatch,
    `The tags were pushed with different digests (${pairs}): the local image changed during the push, so push again.`,
  );
}

function resultOf(
  request: PushRequest,
  auth: EcrAuthorization,
  pushed: Pick<
    PushResult,
    | "imageUris"
    | "digest"
    | "region"
    | "registryId"
    | "repositoryCreated"
    | "sourceImageId"
    | "imageSizeBytes"
    | "tagResults"
  >,
): PushResult {
  return {
    imageUri: pushed.imageUris[0] ?? "",
    registry: auth.registry,
    repository: request.repository,
    tags: [...request.tags],
    ...pushed,
  };
}

/** Runs on success, failure and abort alike; a failed removal is a warning, never the error. */
async function cleanUp(deps: PushDeps, createdTags: string[], source: string | undefined): Promise<void> {
  const { engine, logger } = deps;
  // No signal here: cleanup must still run when the push was aborted.
  const remove = async (reference: string) => {
    try {
      await engine.remove(reference);
      logger.debug(`Removed local image ${reference}.`);
    } catch (error) {
      logger.warn(`Could not remove local image ${reference}: ${messageOf(error)}`);
    }
  };
  // One at a time: the daemon races when several tags of one image are removed at once.
  for (const reference of createdTags) await remove(reference);
  // Last, once no tag of ours still points at it.
  if (source) await remove(source);
  try {
    await engine.dispose();
  } catch (error) {
    logger.warn(`Could not clean up the container engine session: ${messageOf(error)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
