import type { ServerResponse } from "node:http";
import type { Context } from "../context.js";
import { type JsonApi, type Operation, serveJsonApi } from "../control-plane/handler.js";
import { imageOperations } from "../control-plane/images.js";
import {
  type Call,
  epochSeconds,
  type Input,
  optionalList,
  paginate,
  requiredString,
} from "../control-plane/input.js";
import { resourceTagsOf } from "../control-plane/repositories.js";
import { invalidParameter, ServiceError } from "../errors.js";
import type { SignedRequest } from "../sigv4/verify.js";
import type { RepositoryRecord } from "../store/store.js";
import { isAccountId } from "../validation.js";
import { catalogDataOf, catalogJson } from "./catalog.js";
import { publicContext } from "./state.js";

/** The X-Amz-Target prefix of the ECR Public API (AWS JSON 1.1), as the SDK's serializer sends it. */
export const PUBLIC_TARGET_PREFIX = "SpencerFrontendService.";

/** ECR Public's API exists in us-east-1 only; requests are signed for that region. */
const PUBLIC_REGION = "us-east-1";

// ECR Public's repository names: 2 to 205 characters of this pattern (ECR allows 256).
const PUBLIC_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const constraint = (key: string, what: string) =>
  invalidParameter(`Invalid parameter at '${key}' failed to satisfy constraint: '${what}'`);

function publicName(input: Input): string {
  const name = requiredString(input, "repositoryName");
  if (name.length < 2 || name.length > 205 || !PUBLIC_NAME.test(name)) {
    throw constraint(
      "repositoryName",
      "Member must satisfy regular expression pattern: (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
    );
  }
  return name;
}

/** ECR Public has one registry per account: another registryId is refused as AWS refuses it. */
function checkPublicRegistryId(ctx: Context, input: Input, call: Call, name = "*"): void {
  const registryId = input.registryId;
  if (registryId === undefined || registryId === null || registryId === ctx.accountId) return;
  if (!isAccountId(registryId))
    throw constraint("registryId", "Member must satisfy regular expression pattern: [0-9]{12}");
  const action = `ecr-public:${call.operation}`;
  throw new ServiceError(
    "AccessDeniedException",
    `User: ${call.principalArn} is not authorized to perform: ${action} on resource: arn:aws:ecr-public::${registryId}:repository/${name}`,
  );
}

function notFound(ctx: Context, name: string): ServiceError {
  return new ServiceError(
    "RepositoryNotFoundException",
    `The repository with name '${name}' does not exist in the registry with id '${ctx.accountId}'`,
  );
}

function repositoryJson(ctx: Context, repo: RepositoryRecord) {
  const { alias, host } = ctx.ecrPublic;
  return {
    repositoryArn: `arn:aws:ecr-public::${ctx.accountId}:repository/${repo.name}`,
    registryId: ctx.accountId,
    repositoryName: repo.name,
    repositoryUri: `${host}/${alias}/${repo.name}`,
    createdAt: epochSeconds(repo.createdAt),
  };
}

export const publicOperations: Record<string, Operation> = {
  GetAuthorizationToken(ctx) {
    const { password, expiresAt } = ctx.ecrPublic.passwords.issue(ctx.tokenTtlSeconds);
    // One object (ECR's answer is a list with a proxyEndpoint): the registry is public.ecr.aws.
    return {
      authorizationData: {
        authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
        expiresAt: epochSeconds(expiresAt.getTime()),
      },
    };
  },

  CreateRepository(ctx, input) {
    const name = publicName(input);
    const catalog = catalogDataOf(input);
    const tags = resourceTagsOf(input);
    const pub = ctx.ecrPublic;
    if (pub.store.find(name)) {
      throw new ServiceError(
        "RepositoryAlreadyExistsException",
        `The repository with name '${name}' already exists in the registry with id '${ctx.accountId}'`,
      );
    }
    const repo = pub.store.create(name, {
      imageTagMutability: "MUTABLE",
      scanOnPush: false,
      encryptionType: "AES256",
      tags,
    });
    pub.catalogs.set(name, catalog);
    // The registry's default alias is assigned with its first repository.
    pub.aliasAssigned = true;
    return {
      repository: repositoryJson(ctx, repo),
      catalogData: catalogJson(catalog, logoUrl(ctx, name)),
    };
  },

  DescribeRepositories(ctx, input, call) {
    checkPublicRegistryId(ctx, input, call);
    const names = optionalList<string>(input, "repositoryNames", 100);
    const store = ctx.ecrPublic.store;
    const repos = names
      ? names.map((name) => {
          const repo = store.find(name);
          if (!repo) throw notFound(ctx, name);
          return repo;
        })
      : store.list();
    const { page, nextToken } = paginate(repos, input);
    return {
      repositories: page.map((repo) => repositoryJson(ctx, repo)),
      ...(nextToken ? { nextToken } : {}),
    };
  },

  DeleteRepository(ctx, input, call) {
    const name = publicName(input);
    checkPublicRegistryId(ctx, input, call, name);
    if (!ctx.ecrPublic.store.find(name)) throw notFound(ctx, name);
    const repo = ctx.ecrPublic.store.delete(name, input.force === true);
    ctx.ecrPublic.catalogs.delete(name);
    return { repository: repositoryJson(ctx, repo) };
  },

  DescribeRegistries(ctx) {
    const { alias, aliasAssigned, host } = ctx.ecrPublic;
    return {
      registries: [
        {
          registryId: ctx.accountId,
          registryArn: `arn:aws:ecr-public::${ctx.accountId}:registry/${ctx.accountId}`,
          registryUri: aliasAssigned ? `${host}/${alias}` : "",
          verified: false,
          aliases: aliasAssigned
            ? [{ name: alias, status: "ACTIVE", primaryRegistryAlias: true, defaultRegistryAlias: true }]
            : [],
        },
      ],
    };
  },

  GetRepositoryCatalogData(ctx, input, call) {
    const name = publicName(input);
    checkPublicRegistryId(ctx, input, call, name);
    if (!ctx.ecrPublic.store.find(name)) throw notFound(ctx, name);
    return { catalogData: catalogJson(ctx.ecrPublic.catalogs.get(name), logoUrl(ctx, name)) };
  },

  DescribeImages(ctx, input, call) {
    const name = publicName(input);
    checkPublicRegistryId(ctx, input, call, name);
    if (!ctx.ecrPublic.store.find(name)) throw notFound(ctx, name);
    // The same answer as ECR's, from the public store.
    return imageOperations.DescribeImages(publicContext(ctx), { ...input, registryId: undefined }, call);
  },
};

function logoUrl(ctx: Context, name: string): string {
  return `http://${ctx.ecrPublic.host}/_ecr-local/logo/${ctx.ecrPublic.alias}/${name}`;
}

const PUBLIC_API: JsonApi = {
  service: "ecr-public",
  targetPrefix: PUBLIC_TARGET_PREFIX,
  region: () => PUBLIC_REGION,
  operations: publicOperations,
  rateLimited: false,
};

/** The ECR Public API: AWS JSON 1.1 at `POST /`, X-Amz-Target `SpencerFrontendService.*`, SigV4 service `ecr-public`. */
export function handlePublicControlPlane(
  ctx: Context,
  request: SignedRequest,
  res: ServerResponse,
): Promise<void> {
  return serveJsonApi(ctx, PUBLIC_API, request, res);
}
