import type { Context } from "../context.js";
import { invalidParameter } from "../errors.js";
import type { ImageTagMutability, RepositoryRecord, RepositorySettings } from "../store/store.js";
import { isAccountId } from "../validation.js";
import {
  type Call,
  checkRegistryId,
  epochSeconds,
  type Input,
  optionalList,
  optionalObject,
  optionalString,
  paginate,
  repositoryName,
  repositoryOf,
  requiredString,
} from "./input.js";
import { policyOperations } from "./policies.js";

export function repositoryJson(ctx: Context, repo: RepositoryRecord) {
  return {
    repositoryArn: `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${repo.name}`,
    registryId: ctx.accountId,
    repositoryName: repo.name,
    repositoryUri: `${ctx.registryHost}/${repo.name}`,
    createdAt: epochSeconds(repo.createdAt),
    imageTagMutability: repo.imageTagMutability,
    ...(repo.imageTagMutabilityExclusionFilters?.length
      ? { imageTagMutabilityExclusionFilters: repo.imageTagMutabilityExclusionFilters }
      : {}),
    imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    encryptionConfiguration: {
      encryptionType: repo.encryptionType,
      ...(repo.kmsKey ? { kmsKey: repo.kmsKey } : {}),
    },
  };
}

const MUTABILITIES: ImageTagMutability[] = [
  "MUTABLE",
  "IMMUTABLE",
  "IMMUTABLE_WITH_EXCLUSION",
  "MUTABLE_WITH_EXCLUSION",
];
// ImageTagMutabilityExclusionFilter.filter as the API reference documents it.
const EXCLUSION_FILTER = /^[0-9a-zA-Z._*-]{1,128}$/;

/**
 * imageTagMutability and its exclusion filters, as CreateRepository and PutImageTagMutability take
 * them: one of four modes; 1 to 5 WILDCARD filters, given with (and only with) a _WITH_EXCLUSION mode.
 */
function tagMutability(
  input: Input,
): Pick<RepositorySettings, "imageTagMutability" | "imageTagMutabilityExclusionFilters"> {
  const imageTagMutability = (optionalString(input, "imageTagMutability") ?? "MUTABLE") as ImageTagMutability;
  if (!MUTABILITIES.includes(imageTagMutability)) {
    throw invalidParameter(
      `Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [${MUTABILITIES.join(", ")}]'`,
    );
  }
  const given = optionalList<Input>(input, "imageTagMutabilityExclusionFilters", 5);
  if (given !== undefined && given.length === 0) {
    throw invalidParameter(
      "Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: 'Member must have length greater than or equal to 1'",
    );
  }
  const filters = (given ?? []).map((entry) => {
    if (entry?.filterType !== "WILDCARD") {
      throw invalidParameter(
        "Invalid parameter at 'imageTagMutabilityExclusionFilters.member.filterType' failed to satisfy constraint: 'Member must satisfy enum value set: [WILDCARD]'",
      );
    }
    const filter = entry.filter;
    if (typeof filter !== "string" || !EXCLUSION_FILTER.test(filter)) {
      throw invalidParameter(
        "Invalid parameter at 'imageTagMutabilityExclusionFilters.member.filter' failed to satisfy constraint: 'Member must satisfy regular expression pattern: ^[0-9a-zA-Z._*-]{1,128}$'",
      );
    }
    return { filterType: "WILDCARD" as const, filter };
  });
  const withExclusion = imageTagMutability.endsWith("_WITH_EXCLUSION");
  if (withExclusion && filters.length === 0) {
    throw invalidParameter(
      `Invalid parameter: imageTagMutabilityExclusionFilters must be specified with imageTagMutability '${imageTagMutability}'`,
    );
  }
  if (!withExclusion && filters.length > 0) {
    throw invalidParameter(
      `Invalid parameter: imageTagMutabilityExclusionFilters can only be specified with imageTagMutability 'IMMUTABLE_WITH_EXCLUSION' or 'MUTABLE_WITH_EXCLUSION'`,
    );
  }
  return { imageTagMutability, ...(withExclusion ? { imageTagMutabilityExclusionFilters: filters } : {}) };
}

function settings(ctx: Context, input: Input): RepositorySettings {
  const mutability = tagMutability(input);
  const scanOnPush = optionalObject(input, "imageScanningConfiguration").scanOnPush ?? false;
  if (typeof scanOnPush !== "boolean")
    throw invalidParameter("imageScanningConfiguration.scanOnPush must be a boolean");
  const encryption = optionalObject(input, "encryptionConfiguration");
  const encryptionType = optionalString(encryption, "encryptionType") ?? "AES256";
  let kmsKey = optionalString(encryption, "kmsKey");
  if (encryptionType === "KMS") {
    kmsKey ??= `arn:aws:kms:${ctx.region}:${ctx.accountId}:alias/aws/ecr`;
  } else if (encryptionType !== "AES256") {
    throw invalidParameter(
      `Invalid parameter at 'encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS]'`,
    );
  } else if (kmsKey !== undefined) {
    throw invalidParameter("Invalid parameter: kmsKey can only be specified with encryptionType KMS");
  }
  const tags = resourceTagsOf(input);
  return { ...mutability, scanOnPush, encryptionType, ...(kmsKey ? { kmsKey } : {}), tags };
}

export const repositoryOperations = {
  GetAuthorizationToken(ctx: Context, input: Input) {
    for (const id of optionalList<unknown>(input, "registryIds", 10) ?? []) {
      if (!isAccountId(id))
        throw invalidParameter("Invalid parameter at 'registryIds': each must be a 12-digit account id");
    }
    const { password, expiresAt } = ctx.passwords.issue(ctx.tokenTtlSeconds);
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
          expiresAt: epochSeconds(expiresAt.getTime()),
          proxyEndpoint: ctx.proxyEndpoint,
        },
      ],
    };
  },

  CreateRepository(ctx: Context, input: Input, call: Call) {
    const name = repositoryName(input);
    checkRegistryId(ctx, input, call, name);
    return { repository: repositoryJson(ctx, ctx.store.create(name, settings(ctx, input))) };
  },

  PutImageTagMutability(ctx: Context, input: Input, call: Call) {
    const repo = repositoryOf(ctx, input, call);
    requiredString(input, "imageTagMutability");
    const change = tagMutability(input);
    ctx.store.update(repo, { imageTagMutabilityExclusionFilters: undefined, ...change });
    return {
      registryId: ctx.accountId,
      repositoryName: repo.name,
      imageTagMutability: repo.imageTagMutability,
      ...(repo.imageTagMutabilityExclusionFilters
        ? { imageTagMutabilityExclusionFilters: repo.imageTagMutabilityExclusionFilters }
        : {}),
    };
  },

  ...policyOperations,

  DescribeRepositories(ctx: Context, input: Input, call: Call) {
    checkRegistryId(ctx, input, call);
    const names = optionalList<string>(input, "repositoryNames", 100);
    const repos = names ? names.map((name) => ctx.store.get(name)) : ctx.store.list();
    const { page, nextToken } = paginate(repos, input);
    return {
      repositories: page.map((repo) => repositoryJson(ctx, repo)),
      ...(nextToken ? { nextToken } : {}),
    };
  },

  DeleteRepository(ctx: Context, input: Input, call: Call) {
    const name = repositoryName(input);
    checkRegistryId(ctx, input, call, name);
    return { repository: repositoryJson(ctx, ctx.store.delete(name, input.force === true)) };
  },

  PutAccountSetting(ctx: Context, input: Input) {
    const name = requiredString(input, "name");
    const value = requiredString(input, "value");
    const allowed = ACCOUNT_SETTINGS[name];
    if (!allowed) throw invalidParameter(`Invalid account setting name '${name}'.`);
    if (!allowed.includes(value)) {
      throw invalidParameter(`Invalid value '${value}' for account setting '${name}'.`);
    }
    ctx.accountSettings[name] = value;
    return { name, value };
  },

  GetAccountSetting(ctx: Context, input: Input) {
    const name = requiredString(input, "name");
    if (!ACCOUNT_SETTINGS[name]) throw invalidParameter(`Invalid account setting name '${name}'.`);
    return { name, value: ctx.accountSettings[name] };
  },
};

/** The account settings ECR accepts that matter here, with their values. */
const ACCOUNT_SETTINGS: Record<string, string[]> = {
  BLOB_MOUNTING: ["ENABLED", "DISABLED"],
  BASIC_SCAN_TYPE_VERSION: ["AWS_NATIVE", "CLAIR"],
};

/** The `tags` of a CreateRepository (ECR's or ECR Public's): up to 200, with AWS's tag limits. */
export function resourceTagsOf(input: Input): { Key: string; Value: string }[] {
  return (optionalList<Input>(input, "tags", 200) ?? []).map((tag) => {
    const Key = tag?.Key;
    const Value = tag?.Value ?? "";
    if (
      typeof Key !== "string" ||
      Key.length < 1 ||
      Key.length > 128 ||
      typeof Value !== "string" ||
      Value.length > 256
    ) {
      throw invalidParameter(
        "Invalid parameter at 'tags': each tag needs a Key of 1 to 128 and a Value of up to 256 characters",
      );
    }
    return { Key, Value };
  });
}
