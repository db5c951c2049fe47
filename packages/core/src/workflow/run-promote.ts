import { checkEndpointEnv } from "../aws/env.js";
import { throwIfNotActive } from "../aws/image-status.js";
import { parseEcrRegistryHost } from "../aws/registry-host.js";
import { ensureOptionsFor } from "../aws/repository-target.js";
import { checkRetryEnv, retryPolicyFromEnv } from "../aws/retry.js";
import { CopyErrorCodes, type CopyStats, copyImage } from "../copy/copy-image.js";
import { dockerConfigCredentials } from "../copy/docker-config.js";
import { isEcrPushError } from "../errors/index.js";
import { RegistryClient } from "../registry/index.js";
import type { CredentialInputs, PromoteRequest } from "../request/index.js";
import { resolveInputNames } from "../request/index.js";
import { type CopyDeps, type CopyEcrApi, type CopyResult, connectEcr } from "./copy-session.js";
import { abortedOr, checkAborted, setResultOutputs, startedNow, tagResultsOf } from "./steps.js";

export interface PromoteResult extends CopyResult {
  /** What moved: blobs streamed (and their bytes), skipped because present, or mounted. */
  transfer: CopyStats;
}

/**
 * Copies an image from another registry (ECR in any account or region, or any OCI registry) into
 * an ECR repository without pulling it: blobs stream from the source straight into the
 * destination, those already there are skipped, and manifests keep their bytes, so the digest is
 * the source's (unless platforms are filtered, which is said).
 */
export async function runPromote(request: PromoteRequest, deps: CopyDeps): Promise<PromoteResult> {
  const { logger, signal } = deps;
  const names = resolveInputNames(deps.inputNames);
  const started = deps.clock.now().getTime();
  const debug = (line: string) => logger.debug(line);
  const ecrs: CopyEcrApi[] = [];
  const clients: RegistryClient[] = [];
  let sourceClient: Promise<RegistryClient> | undefined;
  let sourceEcr: CopyEcrApi | undefined;
  try {
    checkAborted(signal);
    checkRetryEnv(deps.env);
    checkEndpointEnv(deps.env);
    const { source } = request;
    if (source.kind === "registry" && source.password) deps.secrets.mask(source.password);

    // The source side: read-only, with credentials of its own.
    sourceClient = startedNow(
      (async () => {
        if (source.kind === "ecr") {
          // A source written in its dual-stack or FIPS form is read through that form (API and registry).
          const written = parseEcrRegistryHost(source.registry);
          const env = {
            ...deps.env,
            ...(source.endpointUrl ? { AWS_ENDPOINT_URL_ECR: source.endpointUrl } : {}),
            ...(written?.fips ? { AWS_USE_FIPS_ENDPOINT: "true" } : {}),
          };
          const side = await connectEcr(deps, {
            region: source.region,
            dualStack: written?.dualStack || undefined,
            credentials: sourceCredentials(source.credentials, request.credentials),
            env,
            label: "Source",
          });
          ecrs.push(side.ecr);
          sourceEcr = side.ecr;
          const auth = await side.ecr.getAuthorization(source.registryId);
          return new RegistryClient({
            registry: auth.registry,
            username: auth.username,
            password: auth.password,
            expiresAt: auth.expiresAt,
            refresh: () => side.ecr.getAuthorization(source.registryId),
            signal,
            debug,
            env: deps.env,
            retry: retryPolicyFromEnv(deps.env),
            clock: deps.clock,
          });
        }
        let credentials =
          source.username !== undefined && source.password !== undefined
            ? { username: source.username, password: source.password }
            : undefined;
        if (!credentials) {
          const found = await dockerConfigCredentials(source.registry, deps.env, { signal });
          if (found.note) logger.warn(found.note);
          credentials = found.credentials;
          if (credentials) {
            deps.secrets.mask(credentials.password);
            logger.debug(`Source credentials for ${source.registry} from the Docker config.`);
          }
        }
        return new RegistryClient({
          registry: source.registry,
          username: credentials?.username ?? "",
          password: credentials?.password ?? "",
          signal,
          debug,
          env: deps.env,
          retry: retryPolicyFromEnv(deps.env),
          clock: deps.clock,
        });
      })(),
    );

    // The destination side, as for a push.
    const destination = await logger.group("Authenticating", async () => {
      const side = await connectEcr(deps, {
        region: request.region,
        dualStack: request.dualStack,
        credentials: request.credentials,
        label: "Destination",
      });
      ecrs.push(side.ecr);
      const described = startedNow(side.ecr.describeRepository(request.repository, request.registryId));
      const auth = await side.ecr.getAuthorization(request.registryId);
      const repository = await side.ecr.ensureRepository(
        ensureOptionsFor(request, auth.registry, names.createRepository),
        described,
      );
      logger.info(`Logged in to ${auth.registry}.`);
      return { auth, repository, region: side.region, ecr: side.ecr };
    });
    const from = await sourceClient;
    const target = new RegistryClient({
      registry: destination.auth.registry,
      username: destination.auth.username,
      password: destination.auth.password,
      expiresAt: destination.auth.expiresAt,
      refresh: () => destination.ecr.getAuthorization(request.registryId),
      signal,
      debug,
      env: deps.env,
      retry: retryPolicyFromEnv(deps.env),
      clock: deps.clock,
    });
    clients.push(target);
    checkAborted(signal);

    const imageUris = request.tags.map((tag) => `${destination.auth.registry}/${request.repository}:${tag}`);
    const copied = await logger.group(`Promoting ${source.reference} to ${imageUris.join(", ")}`, () =>
      copyImage({
        source: from,
        sourceRepository: source.repository,
        image: source.image,
        sourceReference: source.reference,
        target,
        targetRepository: request.repository,
        tags: request.tags,
        platforms: request.platforms,
        dropAttestations: request.dropAttestations,
        onLine: (line) => logger.info(line),
        onTransfer: logger.progress && ((transfer) => logger.progress?.(transfer)),
        names: { source: names.source, platform: names.platform },
      }).catch(async (error: unknown) => {
        // An archived ECR image is a 404 to the registry API; DescribeImages says why. Nothing was written yet.
        if (
          source.kind === "ecr" &&
          sourceEcr &&
          isEcrPushError(error) &&
          error.code === CopyErrorCodes.sourceImageNotFound
        ) {
          const id =
            source.image.digest !== undefined
              ? { imageDigest: source.image.digest }
              : { imageTag: source.image.tag };
          const status = await sourceEcr.imageStatus(source.repository, source.registryId, id);
          if (status) throwIfNotActive(status, source);
        }
        throw error;
      }),
    );
    if (copied.note) logger.warn(copied.note);
    const result: PromoteResult = {
      imageUri: imageUris[0] ?? "",
      imageUris,
      digest: copied.digest,
      sourceDigest: copied.sourceDigest,
      registry: destination.auth.registry,
      repository: request.repository,
      tags: [...request.tags],
      registryId: destination.repository.registryId,
      region: destination.region,
      repositoryCreated: destination.repository.created,
      sourceImageId: copied.sourceDigest,
      imageSizeBytes: copied.imageSizeBytes,
      transfer: copied.stats,
      tagResults: tagResultsOf(request.tags, imageUris),
    };
    setResultOutputs(deps.outputs, result);
    const { stats } = copied;
    const seconds = ((deps.clock.now().getTime() - started) / 1000).toFixed(1);
    logger.info(
      `Promoted ${source.reference} to ${imageUris.join(", ")} (${copied.digest}) in ${seconds} s: ${stats.blobsCopied} blob${stats.blobsCopied === 1 ? "" : "s"} copied (${(stats.bytesCopied / 1024 / 1024).toFixed(1)} MiB), ${stats.blobsSkipped} already there, ${stats.blobsMounted} mounted.`,
    );
    return result;
  } catch (error) {
    throw abortedOr(error, signal);
  } finally {
    const from = await sourceClient?.catch(() => undefined);
    // One line, promoted or not: how much the network cost (each retry is a --debug line).
    for (const [side, client] of [
      ["source", from],
      ["destination", clients[0]],
    ] as const) {
      const retries = client?.retries.summary();
      if (retries) logger.info(`Registry requests to the ${side} needed ${retries}.`);
    }
    for (const client of clients) client.close();
    from?.close();
    for (const ecr of ecrs) ecr.destroy();
  }
}

/**
 * The source side's credentials. A source role is assumed with the job's credentials; in a job whose
 * only credential is a web identity (GitHub's OIDC token given for the destination role), the
 * source role is exchanged for that same token, as the destination's is.
 */
function sourceCredentials(source: CredentialInputs, destination: CredentialInputs): CredentialInputs {
  if (source.roleArn && !source.profile && destination.webIdentityToken && !destination.accessKeyId) {
    return { ...source, webIdentityToken: destination.webIdentityToken };
  }
  return source;
}
