import type { Context } from "../context.js";
import { invalidParameter } from "../errors.js";
import type { RepositoryRecord, RepositorySettings } from "../store/store.js";
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
  requiredString,
} from "./input.js";

export function repositoryJson(ctx: Context, repo: RepositoryRecord) {
  return {
    repositoryArn: `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${repo.name}`,
    registryId: ctx.accountId,
    repositoryName: repo.name,
    repositoryUri: `${ctx.registryHost}/${repo.name}`,
    createdAt: epochSeconds(repo.createdAt),
    imageTagMutability: repo.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
    encryptionConfiguration: {
      encryptionType: repo.encryptionType,
      ...(repo.kmsKey ? { kmsKey: repo.kmsKey } : {}),
    },
  };
}

function settings(ctx: Context, input: Input): RepositorySettings {
  const imageTagMutability = optionalString(input, "imageTagMutability") ?? "MUTABLE";
  if (imageTagMutability !== "MUTABLE" && imageTagMutability !== "IMMUTABLE") {
    throw invalidParameter(
      `Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'`,
    );
  }
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
  const tags = (optionalList<Input>(input, "tags", 200) ?? []).map((tag) => {
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
  return { imageTagMutability, scanOnPush, encryptionType, ...(kmsKey ? { kmsKey } : {}), tags };
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
