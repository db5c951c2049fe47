import {
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  type CreateRepositoryCommandInput,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  type Repository,
  SetRepositoryPolicyCommand,
  UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import { PushFailedError } from "../errors/index.js";
import { sdkRequestHandler } from "../net/index.js";
import { ECR_ACCEPTED_MANIFEST_TYPES } from "../oci/index.js";
import type { Logger, SecretMasker } from "../ports/index.js";
import { LayerApiError, type LayerPartsApi } from "../registry/index.js";
import {
  hasExclusions,
  immutableReason,
  type RepositorySettings,
  type TagMutability,
  tagMutabilityOf,
} from "../request/index.js";
import type { AwsCredentialProvider, AwsCredentials } from "./credentials.js";
import { type AwsEnv, endpointFromEnv, endpointVariant } from "./env.js";
import { AwsErrorCodes, awsErrorName } from "./errors.js";
import type { ImageStatus } from "./image-status.js";
import { type ApiTarget, loggedCall } from "./logged-call.js";
import { chooseRegistryHost, type EndpointVariant, parseEcrRegistryHost } from "./registry-host.js";
import { sdkRetryConfig } from "./retry.js";

export interface EcrAuthorization {
  /**
   * Registry host[:port] of every image URI: the host of the proxy endpoint, in its dual-stack or
   * FIPS form when the push asked for one.
   */
  registry: string;
  username: "AWS";
  /** Already registered with the SecretMasker. */
  password: string;
  proxyEndpoint: string;
  expiresAt?: Date;
}

export interface EnsureRepositoryOptions {
  repository: string;
  registryId?: string;
  /** Create the repository when it does not exist. */
  create: boolean;
  settings: RepositorySettings;
  /** Registry host from the authorization, to name the account in messages. */
  registry: string;
  /** How the host spells the create-repository input, for the not-found message. */
  createInputName: string;
}

export interface EnsuredRepository {
  /** Account id of the registry that holds the repository ("" when ECR did not say, e.g. a local endpoint). */
  registryId: string;
  created: boolean;
  /** Which of the repository's tags cannot move (IMMUTABLE, or a mode with exclusion filters). */
  tagMutability: TagMutability;
}

export type DescribedRepository = { registryId: string; tagMutability: TagMutability } | { missing: unknown };

export interface EcrApiOptions {
  region: string;
  credentials: AwsCredentials | AwsCredentialProvider;
  env: AwsEnv;
  logger: Logger;
  secrets: SecretMasker;
  signal?: AbortSignal;
  /** The dualStack input; undefined (not given) leaves it to AWS_USE_DUALSTACK_ENDPOINT. */
  dualStack?: boolean;
}

/** The three ECR control-plane calls a push needs, with errors mapped to one sentence each. */
export class EcrApi {
  /** The configured endpoint URL (AWS_ENDPOINT_URL_ECR), when not the default one. */
  readonly endpoint: string | undefined;
  /** Dual-stack and FIPS, for the API endpoint and the registry host alike. */
  readonly variant: EndpointVariant;
  private readonly client: ECRClient;

  constructor(private readonly options: EcrApiOptions) {
    this.endpoint = endpointFromEnv("ECR", options.env);
    this.variant = endpointVariant(options.dualStack, options.env);
    this.client = new ECRClient({
      region: options.region,
      credentials: options.credentials,
      // Always said, so the SDK does not read process.env itself; a configured endpoint URL is
      // used as it is (the SDK refuses a custom endpoint with either variant).
      useDualstackEndpoint: !this.endpoint && this.variant.dualStack,
      useFipsEndpoint: !this.endpoint && this.variant.fips,
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
      ...sdkRetryConfig(options.env),
      requestHandler: sdkRequestHandler(options.env),
    });
  }

  /** GetAuthorizationToken: the registry host and the Docker password (masked before it is returned). */
  async getAuthorization(registryId?: string): Promise<EcrAuthorization> {
    const input = registryId ? { registryIds: [registryId] } : {};
    const response = await this.call("GetAuthorizationToken", input, () =>
      this.client.send(new GetAuthorizationTokenCommand(input), this.sendOptions()),
    );
    const data = response.authorizationData?.[0];
    const token = data?.authorizationToken;
    if (token) this.options.secrets.mask(token);
    const decoded = token ? Buffer.from(token, "base64").toString("utf8") : "";
    const password = decoded.startsWith("AWS:") ? decoded.slice(4) : "";
    if (password) this.options.secrets.mask(password);
    const proxyHost = data?.proxyEndpoint ? hostOf(data.proxyEndpoint) : undefined;
    if (!password || !proxyHost || !data?.proxyEndpoint) {
      throw new PushFailedError(
        AwsErrorCodes.invalidAuthorizationToken,
        "ECR GetAuthorizationToken returned no usable token: try again, and check the ECR endpoint if one is configured.",
      );
    }
    const { host: registry, unavailable } = chooseRegistryHost(proxyHost, this.variant);
    if (unavailable) this.options.logger.warn(`${unavailable}, so the push uses ${registry}.`);
    else if (registry !== proxyHost) {
      this.options.logger.debug(
        `Registry ${registry} (the ${variantName(this.variant)} form of ${proxyHost}).`,
      );
    }
    return {
      registry,
      username: "AWS",
      password,
      proxyEndpoint: data.proxyEndpoint,
      expiresAt: data.expiresAt,
    };
  }

  /**
   * DescribeRepositories, read-only, so it may start before the source is checked: the registry id
   * of the repository, or the RepositoryNotFoundException for ensureRepository to act on.
   */
  async describeRepository(repository: string, registryId: string | undefined): Promise<DescribedRepository> {
    const answer = await this.describeOne(repository, registryId);
    if (!("found" in answer)) return answer;
    return {
      registryId: answer.found.registryId ?? registryId ?? "",
      tagMutability: tagMutabilityOf(answer.found),
    };
  }

  /**
   * The repository's most recently pushed images, newest first, at most `count`: one page of
   * DescribeImages (whatever the repository's size) and one BatchGetImage. Read to find layers the
   * repository already holds; any failure only means none are found.
   */
  async recentImages(repository: string, registryId: string | undefined, count: number): Promise<EcrImage[]> {
    const input = { repositoryName: repository, registryId, maxResults: 100 };
    try {
      const described = await this.call("DescribeImages", input, () =>
        this.client.send(new DescribeImagesCommand(input), this.sendOptions()),
      );
      const digests = (described.imageDetails ?? [])
        .filter((image) => image.imageDigest)
        .sort((a, b) => (b.imagePushedAt?.getTime() ?? 0) - (a.imagePushedAt?.getTime() ?? 0))
        .slice(0, count)
        .map((image) => ({ imageDigest: image.imageDigest as string }));
      if (digests.length === 0) return [];
      const images = await this.batchGetImages(repository, registryId, digests);
      return images.filter((image): image is EcrImage => image !== undefined);
    } catch (error) {
      this.options.logger.debug(`No recent images of ${repository}: ${(error as Error).message}`);
      return [];
    }
  }

  /**
   * Acts on describeRepository's answer: found, or created when allowed (a lost create race counts
   * as found), or a one-sentence error saying how to allow creation.
   */
  async ensureRepository(
    options: EnsureRepositoryOptions,
    described: Promise<DescribedRepository> = this.describeRepository(options.repository, options.registryId),
  ): Promise<EnsuredRepository> {
    const { repository, registryId } = options;
    const answer = await described;
    if ("registryId" in answer) {
      const given = settingsGiven(options.settings);
      if (given.length > 0) {
        this.options.logger.warn(
          `Repository "${repository}" already exists, so ${given.join(", ")} ${given.length === 1 ? "was" : "were"} not applied: repository settings apply only when the push creates the repository.`,
        );
      }
      return { registryId: answer.registryId, created: false, tagMutability: answer.tagMutability };
    }
    const error = answer.missing;
    const account = registryId ?? accountFrom(error) ?? accountFromRegistry(options.registry);
    if (!options.create) {
      throw new PushFailedError(
        AwsErrorCodes.repositoryNotFound,
        `Repository "${repository}" does not exist in registry ${account ?? options.registry} (${this.options.region}): create it, or set ${options.createInputName} to create it during the push.`,
        { cause: error },
      );
    }
    return this.createRepository(options, account);
  }

  /**
   * The pushed image's size in bytes as ECR reports it (compressed layers), or undefined when ECR
   * does not say: the image is pushed by then, so this never fails the push.
   */
  /**
   * DescribeImages of one image, which (unlike BatchGetImage and pulls) also answers for an archived
   * image: its digest and status, or undefined when it is not there or cannot be described.
   */
  async imageStatus(
    repository: string,
    registryId: string | undefined,
    imageId: EcrImageId,
  ): Promise<ImageStatus | undefined> {
    const input = { repositoryName: repository, registryId, imageIds: [imageId] };
    try {
      const described = await this.call(
        "DescribeImages",
        input,
        () => this.client.send(new DescribeImagesCommand(input), this.sendOptions()),
        ["ImageNotFoundException"],
      );
      const detail = described.imageDetails?.[0];
      if (!detail?.imageDigest) return undefined;
      return { digest: detail.imageDigest, status: detail.imageStatus ?? "ACTIVE" };
    } catch (error) {
      this.options.logger.debug(`No image status: ${(error as Error).message}`);
      return undefined;
    }
  }

  async imageSize(
    repository: string,
    registryId: string | undefined,
    digest: string,
  ): Promise<number | undefined> {
    const input = { repositoryName: repository, registryId, imageIds: [{ imageDigest: digest }] };
    try {
      const described = await this.call("DescribeImages", input, () =>
        this.client.send(new DescribeImagesCommand(input), this.sendOptions()),
      );
      return described.imageDetails?.[0]?.imageSizeInBytes;
    } catch (error) {
      this.options.logger.debug(`No image size: ${(error as Error).message}`);
      return undefined;
    }
  }

  destroy(): void {
    this.client.destroy();
  }

  private async createRepository(
    options: EnsureRepositoryOptions,
    account?: string,
  ): Promise<EnsuredRepository> {
    const { repository } = options;
    try {
      const input = createInput(options);
      const created = await this.call(
        "CreateRepository",
        input,
        () => this.client.send(new CreateRepositoryCommand(input), this.sendOptions()),
        ["RepositoryAlreadyExistsException"],
      );
      this.options.logger.info(`Created repository ${repository}.`);
      const registryId = created.repository?.registryId ?? account ?? "";
      await this.applyPolicies(options, registryId || undefined);
      return {
        registryId,
        created: true,
        tagMutability: tagMutabilityOf(created.repository ?? {}),
      };
    } catch (error) {
      if (awsErrorName(error) !== "RepositoryAlreadyExistsException") throw error;
      // Another push created it between our describe and create: that is what we wanted. Its
      // settings and policies are the creator's to apply (ECR answers this only to the loser of
      // the race), so this push applies none; it reads the mutability it has to honour.
      this.options.logger.debug(`Repository ${repository} was created concurrently; using it.`);
      const described = await this.describeRepository(repository, options.registryId).catch(() => undefined);
      if (described && "registryId" in described) {
        return { registryId: described.registryId, created: false, tagMutability: described.tagMutability };
      }
      const { imageTagMutability, imageTagMutabilityExclusionFilters } = options.settings;
      const tagMutability = {
        mode: imageTagMutability ?? "MUTABLE",
        exclusionFilters: imageTagMutabilityExclusionFilters ?? [],
      };
      return { registryId: account ?? accountFrom(error) ?? "", created: false, tagMutability };
    }
  }

  /**
   * The lifecycle and repository policies of a repository this push has just created. Both calls
   * create or replace (the same text twice is harmless), so a retried request cannot fail on them.
   * Failing here fails the push: the repository exists by now, and a re-run would not apply them.
   */
  private async applyPolicies(options: EnsureRepositoryOptions, registryId: string | undefined) {
    const { repository, settings } = options;
    const fail = (what: string, action: string) => (error: unknown) => {
      throw new PushFailedError(
        (error as PushFailedError).code ?? AwsErrorCodes.requestFailed,
        `Created repository ${repository}, but its ${what} could not be set (${(error as Error).message.replace(/\.$/, "")}): allow ${action} to these credentials, then set it on the repository yourself (a re-run finds the repository and applies no settings).`,
        { cause: error },
      );
    };
    if (settings.lifecyclePolicy) {
      const input = { repositoryName: repository, registryId, lifecyclePolicyText: settings.lifecyclePolicy };
      await this.call("PutLifecyclePolicy", input, () =>
        this.client.send(new PutLifecyclePolicyCommand(input), this.sendOptions()),
      ).catch(fail("lifecycle policy", "ecr:PutLifecyclePolicy"));
      this.options.logger.info(`Set the lifecycle policy of ${repository}.`);
    }
    if (settings.repositoryPolicy) {
      const input = { repositoryName: repository, registryId, policyText: settings.repositoryPolicy };
      await this.call("SetRepositoryPolicy", input, () =>
        this.client.send(new SetRepositoryPolicyCommand(input), this.sendOptions()),
      ).catch(fail("repository policy", "ecr:SetRepositoryPolicy"));
      this.options.logger.info(`Set the repository policy of ${repository}.`);
    }
  }

  /** Runs one call through loggedCall, as ECR in this client's region. */
  private call<T extends { $metadata?: { httpStatusCode?: number; requestId?: string } }>(
    operation: string,
    input: object,
    send: () => Promise<T>,
    expected: string[] = [],
  ): Promise<T> {
    const { logger, region, env } = this.options;
    const target: ApiTarget = {
      service: "ECR",
      region,
      endpoint: this.endpoint,
      defaultEndpoint: `https://api.ecr.${region}.amazonaws.com`,
      logger,
      env,
    };
    return loggedCall(target, operation, input, send, expected);
  }

  /**
   * ECR's layer API for the registry client (InitiateLayerUpload, UploadLayerPart,
   * CompleteLayerUpload), each call retried by the SDK as every other; what still fails is a
   * LayerApiError, so the client's own rules decide whether to try that part again.
   */
  layerParts(registryId: string | undefined): LayerPartsApi {
    const send = async <T>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (error) {
        throw layerApiError(error);
      }
    };
    return {
      initiate: async (repositoryName) => {
        const answer = await send(() =>
          this.client.send(
            new InitiateLayerUploadCommand({ repositoryName, registryId }),
            this.sendOptions(),
          ),
        );
        return { uploadId: answer.uploadId ?? "", partSize: answer.partSize ?? 0 };
      },
      uploadPart: async (repositoryName, uploadId, partFirstByte, partLastByte, layerPartBlob) => {
        await send(() =>
          this.client.send(
            new UploadLayerPartCommand({
              repositoryName,
              registryId,
              uploadId,
              partFirstByte,
              partLastByte,
              layerPartBlob,
            }),
            this.sendOptions(),
          ),
        );
      },
      complete: async (repositoryName, uploadId, digest) => {
        try {
          await send(() =>
            this.client.send(
              new CompleteLayerUploadCommand({
                repositoryName,
                registryId,
                uploadId,
                layerDigests: [digest],
              }),
              this.sendOptions(),
            ),
          );
        } catch (error) {
          // Another push completed the same layer first: it is there, which is all this asked.
          if ((error as LayerApiError).code !== "LayerAlreadyExistsException") throw error;
        }
      },
    };
  }

  private sendOptions() {
    return this.options.signal ? { abortSignal: this.options.signal } : {};
  }

  /**
   * BatchGetImage: the manifest of each image asked for (by tag or digest), exactly as stored, in
   * the order asked; undefined for an image the repository does not have. Every manifest media type
   * is accepted, so ECR never converts a manifest.
   */
  async batchGetImages(
    repository: string,
    registryId: string | undefined,
    imageIds: EcrImageId[],
  ): Promise<(EcrImage | undefined)[]> {
    const input = {
      repositoryName: repository,
      registryId,
      imageIds,
      acceptedMediaTypes: [...ECR_ACCEPTED_MANIFEST_TYPES],
    };
    const response = await this.call("BatchGetImage", input, () =>
      this.client.send(new BatchGetImageCommand(input), this.sendOptions()),
    );
    const images = response.images ?? [];
    const unusable = (response.failures ?? []).find(
      (failure) =>
        failure.failureCode !== "ImageNotFound" && failure.failureCode !== "ImageTagDoesNotMatchDigest",
    );
    if (unusable) {
      const id = unusable.imageId?.imageTag ?? unusable.imageId?.imageDigest ?? "?";
      throw new PushFailedError(
        AwsErrorCodes.requestFailed,
        `ECR BatchGetImage could not read ${repository}:${id} (${unusable.failureCode}): ${(unusable.failureReason ?? "no reason given").replace(/\.$/, "")}.`,
      );
    }
    return imageIds.map((id) => {
      const found = images.find(
        (image) =>
          (id.imageTag === undefined || image.imageId?.imageTag === id.imageTag) &&
          (id.imageDigest === undefined || image.imageId?.imageDigest === id.imageDigest),
      );
      if (!found?.imageManifest || !found.imageId?.imageDigest) return undefined;
      return {
        digest: found.imageId.imageDigest,
        manifest: found.imageManifest,
        mediaType: found.imageManifestMediaType,
      };
    });
  }

  /**
   * PutImage of a manifest under a tag, as given (its digest is unchanged). "unchanged" when the
   * tag already named this manifest; an immutable tag naming another image is one sentence.
   */
  async putImage(options: {
    repository: string;
    registryId: string | undefined;
    image: EcrImage;
    tag: string;
    /** The repository's, for the sentence when ECR refuses to move the tag. */
    tagMutability?: TagMutability;
  }): Promise<"tagged" | "unchanged"> {
    const { repository, registryId, image, tag, tagMutability } = options;
    const input = {
      repositoryName: repository,
      registryId,
      imageManifest: image.manifest,
      imageManifestMediaType: image.mediaType,
      imageDigest: image.digest,
      imageTag: tag,
    };
    try {
      await this.call(
        "PutImage",
        { ...input, imageManifest: `(${image.manifest.length} characters)` },
        () => this.client.send(new PutImageCommand(input), this.sendOptions()),
        ["ImageAlreadyExistsException", "ImageTagAlreadyExistsException"],
      );
      return "tagged";
    } catch (error) {
      const name = awsErrorName(error);
      if (name === "ImageAlreadyExistsException") return "unchanged";
      if (name !== "ImageTagAlreadyExistsException") throw error;
      throw new PushFailedError(
        "ImageTagAlreadyExists",
        `The tag ${tag} already exists in ${repository} on another image and ${immutableReason(tagMutability ?? { mode: "IMMUTABLE", exclusionFilters: [] }, tag)}: choose a new tag or make the repository's tags mutable.`,
        { cause: error },
      );
    }
  }

  /** DescribeRepositories: the registry id and tag mutability, or undefined when the repository does not exist. */
  async repositoryDetails(
    repository: string,
    registryId: string | undefined,
  ): Promise<{ registryId: string; tagMutability: TagMutability } | undefined> {
    const answer = await this.describeOne(repository, registryId);
    if (!("found" in answer)) return undefined;
    return {
      registryId: answer.found.registryId ?? registryId ?? "",
      tagMutability: tagMutabilityOf(answer.found),
    };
  }

  /** One DescribeRepositories: the repository, or the RepositoryNotFoundException saying it is missing. */
  private async describeOne(
    repository: string,
    registryId: string | undefined,
  ): Promise<{ found: Repository } | { missing: unknown }> {
    const input = { registryId, repositoryNames: [repository] };
    try {
      const described = await this.call(
        "DescribeRepositories",
        input,
        () => this.client.send(new DescribeRepositoriesCommand(input), this.sendOptions()),
        ["RepositoryNotFoundException"],
      );
      return { found: described.repositories?.[0] ?? {} };
    } catch (error) {
      if (awsErrorName(error) !== "RepositoryNotFoundException") throw error;
      return { missing: error };
    }
  }
}

/** An image as BatchGetImage returns it: the manifest text exactly as pushed. */
export interface EcrImage {
  digest: string;
  manifest: string;
  mediaType?: string;
}

export type EcrImageId =
  | { imageTag: string; imageDigest?: undefined }
  | { imageDigest: string; imageTag?: undefined };

/**
 * The repository settings a request asks for beyond ECR's defaults, in words, for the warning when
 * they cannot apply (hosts fill in the defaults themselves, and those would only be noise).
 */
function settingsGiven(settings: RepositorySettings): string[] {
  return [
    settings.imageTagMutability !== undefined &&
      settings.imageTagMutability !== "MUTABLE" &&
      `tag mutability ${settings.imageTagMutability}`,
    settings.scanOnPush === true && "scan on push",
    settings.encryption?.type === "KMS" && "KMS encryption",
    Object.keys(settings.tags).length > 0 && "resource tags",
    settings.lifecyclePolicy !== undefined && "the lifecycle policy",
    settings.repositoryPolicy !== undefined && "the repository policy",
  ].filter((s): s is string => typeof s === "string");
}

function createInput(options: EnsureRepositoryOptions): CreateRepositoryCommandInput {
  const { repository, registryId, settings } = options;
  const tags = Object.entries(settings.tags).map(([Key, Value]) => ({ Key, Value }));
  const encryption = settings.encryption;
  return {
    repositoryName: repository,
    registryId,
    imageTagMutability: settings.imageTagMutability,
    imageTagMutabilityExclusionFilters:
      settings.imageTagMutability && hasExclusions(settings.imageTagMutability)
        ? settings.imageTagMutabilityExclusionFilters?.map((filter) => ({ filterType: "WILDCARD", filter }))
        : undefined,
    imageScanningConfiguration:
      settings.scanOnPush === undefined ? undefined : { scanOnPush: settings.scanOnPush },
    encryptionConfiguration: encryption && {
      encryptionType: encryption.type,
      kmsKey: encryption.type === "KMS" ? encryption.kmsKey : undefined,
    },
    tags: tags.length > 0 ? tags : undefined,
  };
}

function variantName(variant: EndpointVariant): string {
  return [variant.dualStack && "dual-stack", variant.fips && "FIPS"].filter(Boolean).join(" ");
}

/** `host[:port]` of a URL (the port is kept when not the scheme's default). */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url.includes("://") ? url : `https://${url}`).host || undefined;
  } catch {
    return undefined;
  }
}

/** The account id ECR names in an error message ("...in the registry with id '123456789012'"). */
function accountFrom(error: unknown): string | undefined {
  return /registry with id '(\d{12})'/.exec((error as Error | undefined)?.message ?? "")?.[1];
}

/** The account id in an ECR registry host (`123456789012.dkr.ecr.us-east-1.amazonaws.com`, any form). */
function accountFromRegistry(registry: string): string | undefined {
  return parseEcrRegistryHost(registry)?.registryId;
}

/**
 * An SDK error of the layer API as the registry client reads failures: throttling as 429, a
 * server fault as its 5xx, anything else with its own status. A network failure (no answer)
 * stays as it is, with its code (ECONNRESET...).
 */
function layerApiError(error: unknown): unknown {
  const e = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
    lastValidByteReceived?: number;
  };
  const status = e?.$metadata?.httpStatusCode;
  if (!status) return error;
  const name = e.name ?? "Error";
  const throttled = /Throttling|TooManyRequests|RequestLimitExceeded/.test(name);
  const fault = e.$fault === "server" && status < 500 ? 500 : status;
  return new LayerApiError(
    throttled ? 429 : fault,
    name,
    (e.message ?? "").replace(/\.$/, ""),
    e.lastValidByteReceived,
  );
}
