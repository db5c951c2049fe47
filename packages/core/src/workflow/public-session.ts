// A push to ECR Public: what differs from ECR is how the session opens (its own API, token,
// repositories and registry host); tagging and pushing are the same as for ECR.
import { readFile, stat } from "node:fs/promises";
import type { EcrAuthorization, EnsuredRepository } from "../aws/ecr.js";
import type { EcrPublicApi, PublicCatalogData, PublicRepository } from "../aws/ecr-public.js";
import { endpointVariant } from "../aws/env.js";
import { InputError, PushFailedError } from "../errors/index.js";
import type { LocalImage } from "../ports/index.js";
import type { EcrPublicTarget, InputNames, PushRequest } from "../request/index.js";
import { MUTABLE_TAGS } from "../request/tag-mutability.js";
import type { PushDeps } from "./run-push.js";
import { checkAborted, startedNow } from "./steps.js";

/** The registry host of ECR Public, and its dual-stack (IPv4 and IPv6) name. */
const PUBLIC_HOST = "public.ecr.aws";
const DUAL_STACK_HOST = "ecr-public.aws.com";

/** The largest logo ECR Public takes: 512000 characters of base64. */
export const MAX_LOGO_BYTES = 384_000;

/**
 * Dual-stack when the repository input named ecr-public.aws.com, or else as for private ECR: the
 * dualStack input when given, AWS_USE_DUALSTACK_ENDPOINT (the SDK's own setting) when not.
 */
export function wantsDualStack(
  target: EcrPublicTarget,
  dualStackInput: boolean | undefined,
  env: PushDeps["env"],
): boolean {
  return target.dualStack || endpointVariant(dualStackInput, env).dualStack;
}

/**
 * The registry host of the repository URI ECR Public gave; its dual-stack name when asked. A
 * local endpoint's host is kept as it is.
 */
export function publicRegistryHost(uri: string, dualStack: boolean): string {
  const host = uri.split("/")[0] ?? "";
  return dualStack && host.toLowerCase() === PUBLIC_HOST ? DUAL_STACK_HOST : host;
}

/** Reads the logo file, checked against ECR Public's limit, before anything is created. */
export async function readLogo(path: string, inputName: string): Promise<Uint8Array> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error("not a file");
    size = info.size;
  } catch {
    throw new InputError(
      "publicLogo",
      `Invalid ${inputName} "${path}": there is no such file, so give the path of the logo image.`,
    );
  }
  if (size === 0 || size > MAX_LOGO_BYTES) {
    throw new InputError(
      "publicLogo",
      `Invalid ${inputName} "${path}": the logo is ${size} bytes and ECR Public takes 1 to ${MAX_LOGO_BYTES}, so use a smaller image.`,
    );
  }
  return new Uint8Array(await readFile(path));
}

export interface PublicSessionOptions {
  api: EcrPublicApi;
  deps: PushDeps;
  names: InputNames;
  inspection: Promise<LocalImage>;
  /** Tags the source as one target (an engine that tags locally). */
  tagTarget: (target: string, image: LocalImage) => Promise<void>;
}

export interface PublicSession {
  auth: EcrAuthorization;
  repository: EnsuredRepository;
  image: LocalImage;
  targets: string[];
  current: undefined[] | undefined;
}

/**
 * Token, repository (created with its catalog data when asked) and alias check, then the login and
 * the local tags: the ECR Public counterpart of the ECR session.
 */
export async function openPublicSession(
  request: PushRequest & { ecrPublic: EcrPublicTarget },
  options: PublicSessionOptions,
): Promise<PublicSession> {
  const { api, deps, names, inspection } = options;
  const { logger, engine, signal } = deps;
  const target = request.ecrPublic;
  const name = request.repository;
  const dualStack = wantsDualStack(target, request.dualStack, deps.env);
  // Read-only calls at once: the repository, the registry's aliases, the token.
  const described = startedNow(api.describeRepository(name));
  const aliases = startedNow(api.registryAliases());
  const token = startedNow(api.getAuthorization());
  const logo = target.catalog.logoPath
    ? startedNow(readLogo(target.catalog.logoPath, names.publicLogo))
    : undefined;
  const known = await aliases;
  if (known === undefined) {
    logger.warn(
      `The ECR Public registry's aliases could not be read (ecr-public:DescribeRegistries is not allowed), so the alias "${target.alias}" is not checked.`,
    );
  } else {
    checkAlias(target.alias, known, name, names, dualStack);
  }
  const found = await described;
  let repository: PublicRepository;
  let created = false;
  if (found) {
    const given = catalogGiven(target, request);
    if (given.length > 0) {
      logger.warn(
        `Repository "${name}" already exists, so ${given.join(", ")} ${given.length === 1 ? "was" : "were"} not applied: repository settings apply only when the push creates the repository.`,
      );
    }
    repository = found;
  } else {
    if (!request.createRepository) {
      throw new PushFailedError(
        "RepositoryNotFound",
        `Repository "${name}" does not exist in the ECR Public registry ${target.alias}: create it, or set ${names.createRepository} to create it during the push.`,
      );
    }
    // A missing image fails before anything is created.
    await inspection;
    const catalog: PublicCatalogData = {
      description: target.catalog.description,
      aboutText: target.catalog.aboutText,
      usageText: target.catalog.usageText,
      architectures: target.catalog.architectures,
      operatingSystems: target.catalog.operatingSystems,
      logoImageBlob: logo ? await logo : undefined,
    };
    checkAborted(signal);
    const made = await api.createRepository(name, catalog, request.repositorySettings.tags);
    repository = made;
    created = made.created;
  }
  await logo?.catch(() => undefined);
  const uriAlias = repository.uri.split("/")[1] ?? "";
  // The registry's first repository is what gives it an alias: now it can be checked.
  if (known?.length === 0 && uriAlias && uriAlias !== target.alias) {
    checkAlias(target.alias, [uriAlias], name, names, dualStack);
  }
  const registry = publicRegistryHost(repository.uri, dualStack);
  if (!registry) {
    throw new PushFailedError(
      "InvalidRepositoryUri",
      `ECR Public gave no URI for repository "${name}": try again, and check the ECR Public endpoint if one is configured.`,
    );
  }
  const auth = await token;
  const image = await inspection;
  checkAborted(signal);
  const targets = request.tags.map((tag) => `${registry}/${target.alias}/${name}:${tag}`);
  const login = engine.login(registry, auth.username, auth.password, signal, {
    expiresAt: auth.expiresAt,
    refresh: async () => api.getAuthorization(),
    // ECR Public's layer API is not used: uploads go through the registry alone.
  });
  const tagged = engine.pushTags
    ? Promise.resolve()
    : Promise.all(targets.map((t) => options.tagTarget(t, image))).then(() => undefined);
  const results = await Promise.allSettled([login, tagged]);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  logger.info(`Logged in to ${registry}.`);
  return {
    auth: {
      registry,
      username: "AWS",
      password: auth.password,
      proxyEndpoint: `https://${registry}`,
      expiresAt: auth.expiresAt,
    },
    // ECR Public's tags always move.
    repository: { registryId: repository.registryId, created, tagMutability: MUTABLE_TAGS },
    image,
    targets,
    // ECR Public cannot say what a tag names (no BatchGetImage): every tag is pushed.
    current: engine.pushTags ? request.tags.map(() => undefined) : undefined,
  };
}

/** The push goes on only with an alias of this account's public registry (any ACTIVE one). */
function checkAlias(
  alias: string,
  aliases: string[],
  name: string,
  names: InputNames,
  dualStack: boolean,
): void {
  if (aliases.length === 0 || aliases.includes(alias)) return;
  const host = dualStack ? DUAL_STACK_HOST : PUBLIC_HOST;
  throw new InputError(
    "repository",
    `Invalid ${names.repository} "${host}/${alias}/${name}": this account's ECR Public registry has the alias ${aliases.map((a) => `"${a}"`).join(", ")}, so set ${names.repository} to ${host}/${aliases[0]}/${name}.`,
  );
}

/** The catalog data and tags a request gives, in words, for the warning when they cannot apply. */
function catalogGiven(target: EcrPublicTarget, request: PushRequest): string[] {
  const c = target.catalog;
  return [
    c.description !== undefined && "the description",
    c.aboutText !== undefined && "the about text",
    c.usageText !== undefined && "the usage text",
    c.architectures !== undefined && "the architectures",
    c.operatingSystems !== undefined && "the operating systems",
    c.logoPath !== undefined && "the logo",
    Object.keys(request.repositorySettings.tags).length > 0 && "resource tags",
  ].filter((s): s is string => typeof s === "string");
}
