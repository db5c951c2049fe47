import {
  CreateRepositoryCommand,
  type CreateRepositoryCommandInput,
  DescribeImagesCommand,
  DescribeRegistriesCommand,
  type DescribeRegistriesCommandOutput,
  DescribeRepositoriesCommand,
  ECRPUBLICClient,
  GetAuthorizationTokenCommand,
} from "@aws-sdk/client-ecr-public";
import { PushFailedError } from "../errors/index.js";
import { sdkRequestHandler } from "../net/index.js";
import type { Logger, SecretMasker } from "../ports/index.js";
import type { AwsCredentialProvider, AwsCredentials } from "./credentials.js";
import { type AwsEnv, endpointFromEnv } from "./env.js";
import { AwsErrorCodes, awsErrorName } from "./errors.js";
import { type ApiTarget, loggedCall } from "./logged-call.js";
import { sdkRetryConfig } from "./retry.js";

export { ECR_PUBLIC_REGION };

import { ECR_PUBLIC_REGION } from "./ecr-public-region.js";

export interface EcrPublicApiOptions {
  credentials: AwsCredentials | AwsCredentialProvider;
  env: AwsEnv;
  logger: Logger;
  secrets: SecretMasker;
  /** The dual-stack API endpoint (ecr-public.us-east-1.api.aws), as the SDK resolves it. */
  dualStack: boolean;
  signal?: AbortSignal;
}

/** A public repository as DescribeRepositories or CreateRepository answers. */
export interface PublicRepository {
  registryId: string;
  /** `public.ecr.aws/ALIAS/NAME`: its host is the registry's, its alias the primary one. */
  uri: string;
}

/** What a created repository shows in the ECR Public Gallery. */
export interface PublicCatalogData {
  description?: string;
  aboutText?: string;
  usageText?: string;
  architectures?: string[];
  operatingSystems?: string[];
  logoImageBlob?: Uint8Array;
}

/** The ECR Public calls a push needs, with errors mapped to one sentence each. */
export class EcrPublicApi {
  /** The configured endpoint URL (AWS_ENDPOINT_URL_ECR_PUBLIC), when not the default one. */
  readonly endpoint: string | undefined;
  private readonly client: ECRPUBLICClient;

  constructor(private readonly options: EcrPublicApiOptions) {
    this.endpoint = endpointFromEnv("ECR_PUBLIC", options.env);
    this.client = new ECRPUBLICClient({
      region: ECR_PUBLIC_REGION,
      credentials: options.credentials,
      ...(this.endpoint ? { endpoint: this.endpoint } : { useDualstackEndpoint: options.dualStack }),
      ...sdkRetryConfig(options.env),
      requestHandler: sdkRequestHandler(options.env),
    });
  }

  /**
   * GetAuthorizationToken: the registry password (masked before it is returned). ECR Public's
   * answer names no registry: the repository URI does.
   */
  async getAuthorization(): Promise<{ username: "AWS"; password: string; expiresAt?: Date }> {
    const response = await this.call("GetAuthorizationToken", {}, () =>
      this.client.send(new GetAuthorizationTokenCommand({}), this.sendOptions()),
    );
    const token = response.authorizationData?.authorizationToken;
    if (token) this.options.secrets.mask(token);
    const decoded = token ? Buffer.from(token, "base64").toString("utf8") : "";
    const password = decoded.startsWith("AWS:") ? decoded.slice(4) : "";
    if (password) this.options.secrets.mask(password);
    if (!password) {
      throw new PushFailedError(
        AwsErrorCodes.invalidAuthorizationToken,
        "ECR Public GetAuthorizationToken returned no usable token: try again, and check the ECR Public endpoint if one is configured.",
      );
    }
    return { username: "AWS", password, expiresAt: response.authorizationData?.expiresAt };
  }

  /** DescribeRepositories of one name: the repository, or undefined when it does not exist. */
  async describeRepository(name: string): Promise<PublicRepository | undefined> {
    const input = { repositoryNames: [name] };
    try {
      const described = await this.call(
        "DescribeRepositories",
        input,
        () => this.client.send(new DescribeRepositoriesCommand(input), this.sendOptions()),
        ["RepositoryNotFoundException"],
      );
      const found = described.repositories?.[0];
      return { registryId: found?.registryId ?? "", uri: found?.repositoryUri ?? "" };
    } catch (error) {
      if (awsErrorName(error) !== "RepositoryNotFoundException") throw error;
      return undefined;
    }
  }

  /**
   * DescribeRegistries: the names of the registry's ACTIVE aliases (none before its first
   * repository); undefined when the credentials may not ask (AWS's push policies leave it out).
   */
  async registryAliases(): Promise<string[] | undefined> {
    let response: DescribeRegistriesCommandOutput;
    try {
      response = await this.call(
        "DescribeRegistries",
        {},
        () => this.client.send(new DescribeRegistriesCommand({}), this.sendOptions()),
        ["AccessDeniedException"],
      );
    } catch (error) {
      if (awsErrorName(error) !== "AccessDeniedException") throw error;
      return undefined;
    }
    return (response.registries?.[0]?.aliases ?? [])
      .filter((alias) => alias.status === "ACTIVE" && alias.name)
      .map((alias) => alias.name as string);
  }

  /**
   * CreateRepository with its catalog data and resource tags; a repository another push created
   * meanwhile counts as found (`created: false`).
   */
  async createRepository(
    name: string,
    catalogData: PublicCatalogData,
    tags: Record<string, string>,
  ): Promise<PublicRepository & { created: boolean }> {
    const tagList = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    const hasCatalog = Object.values(catalogData).some((value) => value !== undefined);
    const input: CreateRepositoryCommandInput = {
      repositoryName: name,
      ...(hasCatalog ? { catalogData } : {}),
      ...(tagList.length > 0 ? { tags: tagList } : {}),
    };
    const logged = {
      ...input,
      ...(catalogData.logoImageBlob
        ? { catalogData: { ...catalogData, logoImageBlob: `(${catalogData.logoImageBlob.length} bytes)` } }
        : {}),
    };
    try {
      const created = await this.call(
        "CreateRepository",
        logged,
        () => this.client.send(new CreateRepositoryCommand(input), this.sendOptions()),
        ["RepositoryAlreadyExistsException"],
      );
      this.options.logger.info(`Created ECR Public repository ${name}.`);
      return {
        registryId: created.repository?.registryId ?? "",
        uri: created.repository?.repositoryUri ?? "",
        created: true,
      };
    } catch (error) {
      if (awsErrorName(error) !== "RepositoryAlreadyExistsException") throw error;
      this.options.logger.debug(`Repository ${name} was created concurrently; using it.`);
      const found = await this.describeRepository(name);
      if (!found) throw error;
      return { ...found, created: false };
    }
  }

  /** The pushed image's size as ECR Public reports it, or undefined (never fails the push). */
  async imageSize(name: string, digest: string): Promise<number | undefined> {
    const input = { repositoryName: name, imageIds: [{ imageDigest: digest }] };
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

  /** ECR Public has no BatchGetImage: the images a repository holds are not read, so none are reused by tag. */
  async recentImages(): Promise<[]> {
    return [];
  }

  destroy(): void {
    this.client.destroy();
  }

  private sendOptions() {
    return this.options.signal ? { abortSignal: this.options.signal } : {};
  }

  /** Runs one call through loggedCall, as ECR Public in us-east-1. */
  private call<T extends { $metadata?: { httpStatusCode?: number; requestId?: string } }>(
    operation: string,
    input: object,
    send: () => Promise<T>,
    expected: string[] = [],
  ): Promise<T> {
    const target: ApiTarget = {
      service: "ECR Public",
      region: ECR_PUBLIC_REGION,
      endpoint: this.endpoint,
      defaultEndpoint: this.options.dualStack
        ? `https://ecr-public.${ECR_PUBLIC_REGION}.api.aws`
        : `https://api.ecr-public.${ECR_PUBLIC_REGION}.amazonaws.com`,
      logger: this.options.logger,
      env: this.options.env,
    };
    return loggedCall(target, operation, input, send, expected);
  }
}
