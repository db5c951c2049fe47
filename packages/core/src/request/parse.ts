import type { LayerCompression } from "../engine/registry/compress.js";
import { canWriteZstd } from "../engine/registry/zstd.js";
import { InputError } from "../errors/index.js";
import type { PlatformFilter } from "../select/index.js";
import { resolveInputNames } from "./names.js";
import { parseLifecyclePolicy, parseRepositoryPolicy } from "./policies.js";
import {
  isExternalId,
  isImageId,
  isImageTag,
  isKmsKey,
  isRegionCode,
  isRegistryId,
  isRepositoryName,
  isRoleArn,
  isRoleSessionName,
  parseImageReference,
  regionAdvice,
} from "./rules.js";
import { hasExclusions, isExclusionFilter, MAX_EXCLUSION_FILTERS } from "./tag-mutability.js";
import type {
  CredentialInputs,
  EcrPublicTarget,
  ImageTagMutability,
  InputKey,
  InputNames,
  PushEngineKind,
  PushRequest,
  RawPushInputs,
  RepositoryEncryption,
  RepositorySettings,
  SourceImage,
} from "./types.js";
import { IMAGE_TAG_MUTABILITIES, LAYER_COMPRESSIONS, PUSH_ENGINES } from "./types.js";

const MAX_REPOSITORY_TAGS = 50;
const ROLE_DURATION = { min: 900, max: 43_200 };

/** Splits comma- and/or newline-separated entries; trims them and drops empty ones. */
export function splitList(value: string | string[] | undefined): string[] {
  const items = Array.isArray(value) ? value : [value ?? ""];
  return items.flatMap((item) => item.split(/[,\r\n]/)).flatMap((item) => item.trim() || []);
}

/**
 * Validates everything a host collected, before any network call. Each problem throws an
 * InputError whose one-sentence message names the input as the host spells it (`names`).
 * Secret values (secret key, session token, web identity token) never appear in a message.
 */
export function parsePushRequest(raw: RawPushInputs, names?: Partial<InputNames>): PushRequest {
  const p = new InputReader(raw, resolveInputNames(names));
  const source = parseSource(p);
  const target = parsePushRepository(p);
  const registry = parseRegistryTarget(p);
  // Before the settings are read: a policy ECR Public cannot take is refused as such, not parsed.
  if (target.ecrPublic) checkPublicSettings(p, registry.registryId);
  const repositorySettings = parseRepositorySettings(p);
  return {
    source,
    ...target,
    tags: parseTags(p),
    ...registry,
    createRepository: p.flag("createRepository"),
    repositorySettings,
    credentials: parseCredentials(p),
    removeLocalImage: parseRemoveLocalImage(p, source),
    ...parseEngine(p, source),
    platforms: parsePushPlatforms(p, source),
    dropAttestations: p.flag("dropAttestations"),
  };
}

/** Reads raw inputs (empty strings count as unset) and words the errors. */
export class InputReader {
  constructor(
    readonly raw: RawPushInputs,
    readonly names: InputNames,
  ) {}

  /** A trimmed string input, or undefined when unset or blank. */
  text(key: InputKey): string | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null || typeof value === "boolean") return undefined;
    const text = (Array.isArray(value) ? value.join(",") : String(value)).trim();
    return text === "" ? undefined : text;
  }

  /** A trimmed string input that must pass `test`; `advice` words what is allowed. */
  checked(key: InputKey, test: (value: string) => boolean, advice: (value: string) => string) {
    const value = this.text(key);
    if (value !== undefined && !test(value)) throw this.invalid(key, value, advice(value));
    return value;
  }

  /** A boolean given as a boolean or as "true"/"false" in any case; unset is false. */
  flag(key: InputKey): boolean {
    const value = this.raw[key];
    if (typeof value === "boolean") return value;
    const text = this.text(key)?.toLowerCase();
    if (text === undefined || text === "false") return false;
    if (text === "true") return true;
    throw this.invalid(key, this.text(key), "use true or false.");
  }

  /** True when the input is given at all (for inputs that only make sense with another one). */
  given(key: InputKey): boolean {
    const value = this.raw[key];
    return typeof value === "boolean" || (typeof value === "object" && value !== null) || !!this.text(key);
  }

  name(key: InputKey): string {
    return this.names[key];
  }

  /** `Invalid <name> "<value>": <advice>` (the value is left out for secrets: pass undefined). */
  invalid(key: InputKey, value: string | undefined, advice: string): InputError {
    const shown = value === undefined ? "" : ` ${JSON.stringify(value)}`;
    return new InputError(key, `Invalid ${this.name(key)}${shown}: ${advice}`);
  }

  missing(key: InputKey, advice: string): InputError {
    return new InputError(key, `Missing ${this.name(key)}: ${advice}`);
  }
}

function parseSource(p: InputReader): SourceImage {
  const value = p.text("source");
  if (value === undefined) {
    // Hosts that promote through an input of their own (GitHub's source, Codefresh's SOURCE) name it.
    const promote = p.name("registrySource");
    const orPromote =
      promote === "registrySource" ? "" : `, or set ${promote} to promote an image from a registry`;
    throw p.missing("source", `name the local image to push, as name[:tag] or an image ID${orPromote}.`);
  }
  const daemonless = /^(docker-archive|oci):/.exec(value);
  if (daemonless) return parseDaemonlessSource(p, value, daemonless[1] as "docker-archive" | "oci");
  if (isImageId(value)) return { reference: value, kind: "id" };
  const reference = parseImageReference(value);
  if (!reference) {
    throw p.invalid(
      "source",
      value,
      "use a local image name[:tag] such as web:1.4.2, an image ID (sha256:<64 hex> or 12 to 64 hex digits), or docker-archive:PATH or oci:DIR.",
    );
  }
  const pinned = reference.tag !== undefined || reference.digest !== undefined;
  return { reference: pinned ? value : `${value}:latest`, kind: "name" };
}

/**
 * `docker-archive:PATH[:name:tag]` or `oci:DIR[:ref]`, as skopeo writes them: the first colon after
 * the path (past a Windows drive letter) starts the image. Whether the path exists is the engine's
 * business (still an input error), so validation stays free of I/O.
 */
function parseDaemonlessSource(p: InputReader, value: string, kind: "docker-archive" | "oci"): SourceImage {
  const rest = value.slice(kind.length + 1);
  const drive = /^[A-Za-z]:[\\/]/.test(rest) ? 2 : 0;
  const colon = rest.indexOf(":", drive);
  const file = colon < 0 ? rest : rest.slice(0, colon);
  const image = colon < 0 ? undefined : rest.slice(colon + 1);
  const what = kind === "oci" ? "oci:DIR[:ref]" : "docker-archive:PATH[:name:tag]";
  if (!file)
    throw p.invalid(
      "source",
      value,
      `name the ${kind === "oci" ? "layout folder" : "archive file"} as ${what}.`,
    );
  if (image !== undefined) {
    const reference = kind === "docker-archive" ? parseImageReference(image) : undefined;
    const ok = kind === "oci" ? /^[\w][\w.:@/+-]*$/.test(image) : reference && !reference.digest;
    if (!ok) {
      throw p.invalid(
        "source",
        value,
        kind === "oci"
          ? "after oci:DIR give the ref name of a manifest in the layout, such as oci:build/layout:latest."
          : "after docker-archive:PATH give the image as name:tag, such as docker-archive:web.tar:web:1.4.2.",
      );
    }
  }
  return { reference: value, kind, path: file, ...(image === undefined ? {} : { image }) };
}

const isDaemonless = (source: SourceImage) => source.kind === "docker-archive" || source.kind === "oci";

function parseRemoveLocalImage(p: InputReader, source: SourceImage): boolean {
  const remove = p.flag("removeLocalImage");
  if (remove && isDaemonless(source)) {
    throw p.invalid(
      "removeLocalImage",
      undefined,
      `it applies only to a local Docker image, not to ${source.kind}: sources, so remove it.`,
    );
  }
  return remove;
}

/**
 * The engine and its concurrency. `auto` is the registry engine for every source; `docker` (docker
 * push) can only push a local image, and sets its own concurrency.
 */
function parseEngine(
  p: InputReader,
  source: SourceImage,
): { engine: PushEngineKind; concurrency: number | undefined; compression: LayerCompression } {
  const value = p.text("engine");
  const wanted = value?.toLowerCase() ?? "auto";
  if (!(PUSH_ENGINES as readonly string[]).includes(wanted))
    throw p.invalid("engine", value, `use ${PUSH_ENGINES.join(", ")} (default auto).`);
  const engine: PushEngineKind = wanted === "docker" ? "docker" : "registry";
  if (engine === "docker" && isDaemonless(source)) {
    throw p.invalid(
      "engine",
      value,
      `docker push needs a local image, and ${source.kind}: sources always use the registry engine, so remove it or use auto.`,
    );
  }
  return { engine, concurrency: parseConcurrency(p, engine), compression: parseCompression(p, engine) };
}

/** zstd layers are written by the registry engine with Node's zstd (Node 22.15 and later). */
function parseCompression(p: InputReader, engine: PushEngineKind): LayerCompression {
  const value = p.text("compression");
  const wanted = value?.toLowerCase() ?? "gzip";
  if (!(LAYER_COMPRESSIONS as readonly string[]).includes(wanted))
    throw p.invalid("compression", value, `use ${LAYER_COMPRESSIONS.join(" or ")} (default gzip).`);
  if (wanted === "gzip") return "gzip";
  if (engine === "docker") {
    throw p.invalid(
      "compression",
      value,
      `docker push always sends gzip layers, so remove it or set ${p.name("engine")} to auto.`,
    );
  }
  if (!canWriteZstd()) {
    throw p.invalid(
      "compression",
      value,
      `zstd needs Node.js 22.15 or later and this is Node.js ${process.versions.node}, so use gzip or run ecr-push on a newer Node.js.`,
    );
  }
  return "zstd";
}

function parseConcurrency(p: InputReader, engine: PushEngineKind): number | undefined {
  const text = p.text("concurrency");
  if (text === undefined) return undefined;
  if (engine === "docker") {
    throw p.invalid(
      "concurrency",
      text,
      `docker push sets its own concurrency, so remove it or set ${p.name("engine")} to auto.`,
    );
  }
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 32)
    throw p.invalid("concurrency", text, "use a whole number from 1 to 32.");
  return n;
}

/**
 * Platforms apply to an OCI layout, which may hold an index; a local Docker image or a
 * docker-archive holds one image of one platform, so there is nothing to choose.
 */
function parsePushPlatforms(p: InputReader, source: SourceImage): PlatformFilter[] | undefined {
  const platforms = parsePlatforms(p);
  if (platforms && source.kind !== "oci") {
    throw p.invalid(
      "platform",
      p.text("platform"),
      `it chooses images of a multi-platform index in an oci: source, and a ${source.kind === "docker-archive" ? "docker-archive" : "local Docker image"} holds one image of one platform, so remove it.`,
    );
  }
  return platforms;
}

/** `os/arch[/variant]` entries (commas, newlines or repeats); undefined when none is given. */
export function parsePlatforms(p: InputReader): PlatformFilter[] | undefined {
  const entries = splitList(p.raw.platform);
  if (entries.length === 0) return undefined;
  return entries.map((entry) => {
    const [os, architecture, variant, ...rest] = entry.split("/");
    if (!os || !architecture || rest.length > 0 || !/^[a-z0-9_.-]+(\/[a-z0-9_.-]+){1,2}$/i.test(entry)) {
      throw p.invalid(
        "platform",
        entry,
        "use OS/ARCH or OS/ARCH/VARIANT, such as linux/amd64 or linux/arm64/v8.",
      );
    }
    return variant ? { os, architecture, variant } : { os, architecture };
  });
}

export function parseRepository(p: InputReader): string {
  const value = p.text("repository");
  if (value === undefined) throw p.missing("repository", "name the ECR repository to push to.");
  if (publicHostOf(value)) {
    throw p.invalid(
      "repository",
      value,
      "ECR Public repositories take pushes only: push the image there instead.",
    );
  }
  if (!isRepositoryName(value)) {
    throw p.invalid(
      "repository",
      value,
      "use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).",
    );
  }
  return value;
}

export function parseTags(p: InputReader): string[] {
  const raw = p.raw.tags;
  const tags = [...new Set(splitList(raw))];
  for (const tag of tags) {
    if (!isImageTag(tag)) {
      throw p.invalid(
        "tags",
        tag,
        "use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.",
      );
    }
  }
  return tags.length > 0 ? tags : ["latest"];
}

export function parseRepositorySettings(p: InputReader): RepositorySettings {
  const { mode, filters } = parseTagMutability(p);
  return {
    imageTagMutability: mode,
    scanOnPush: p.given("scanOnPush") ? p.flag("scanOnPush") : undefined,
    encryption: parseEncryption(p),
    tags: parseRepositoryTags(p),
    ...(filters.length > 0 ? { imageTagMutabilityExclusionFilters: filters } : {}),
    lifecyclePolicy: parseLifecyclePolicy(p),
    repositoryPolicy: parseRepositoryPolicy(p),
  };
}

/**
 * The mode and its exclusion filters. ECR takes 1 to 5 WILDCARD filters, and they only mean
 * something with a `_WITH_EXCLUSION` mode, which in turn is pointless without one.
 */
function parseTagMutability(p: InputReader): { mode?: ImageTagMutability; filters: string[] } {
  const given = p.text("imageTagMutability");
  const mode = given?.toUpperCase().replaceAll("-", "_") as ImageTagMutability | undefined;
  if (mode !== undefined && !IMAGE_TAG_MUTABILITIES.includes(mode)) {
    throw p.invalid(
      "imageTagMutability",
      given,
      `use ${IMAGE_TAG_MUTABILITIES.slice(0, -1).join(", ")} or ${IMAGE_TAG_MUTABILITIES.at(-1)}.`,
    );
  }
  const filters = [...new Set(splitList(p.raw.imageTagMutabilityExclusionFilters))];
  const key = "imageTagMutabilityExclusionFilters";
  for (const filter of filters) {
    if (!isExclusionFilter(filter)) {
      throw p.invalid(
        key,
        filter,
        "use 1-128 letters, digits, and . _ - characters, with * as the wildcard (such as latest or dev-*).",
      );
    }
  }
  if (filters.length > MAX_EXCLUSION_FILTERS) {
    throw p.invalid(
      key,
      undefined,
      `ECR takes at most ${MAX_EXCLUSION_FILTERS} filters (got ${filters.length}).`,
    );
  }
  const withExclusion = mode !== undefined && hasExclusions(mode);
  if (filters.length > 0 && !withExclusion) {
    throw p.invalid(
      key,
      filters.join(","),
      `filters apply only with ${p.name("imageTagMutability")} IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, so set one of them or remove the filters.`,
    );
  }
  if (withExclusion && filters.length === 0) {
    throw p.missing(
      key,
      `${p.name("imageTagMutability")} ${mode} needs at least one filter naming the tags it excludes (such as latest or dev-*).`,
    );
  }
  return { mode, filters };
}

function parseEncryption(p: InputReader): RepositoryEncryption | undefined {
  const type = p.text("encryptionType")?.toUpperCase();
  const kmsKey = p.checked("kmsKey", isKmsKey, () => "use a KMS key ARN, an alias (alias/name) or a key id.");
  if (type !== undefined && type !== "AES256" && type !== "KMS") {
    throw p.invalid("encryptionType", p.text("encryptionType"), "use AES256 or KMS.");
  }
  if (kmsKey !== undefined && type === "AES256") {
    throw p.invalid(
      "kmsKey",
      kmsKey,
      `a KMS key needs ${p.name("encryptionType")} KMS, so remove the key or the AES256 setting.`,
    );
  }
  if (type === "KMS" || kmsKey !== undefined) return kmsKey ? { type: "KMS", kmsKey } : { type: "KMS" };
  return type === "AES256" ? { type } : undefined;
}

function parseRepositoryTags(p: InputReader): Record<string, string> {
  const raw = p.raw.repositoryTags;
  const entries: [string, string][] = [];
  if (raw !== undefined && typeof raw === "object" && !Array.isArray(raw)) {
    entries.push(...Object.entries(raw));
  } else {
    for (const entry of splitList(raw)) {
      const at = entry.indexOf("=");
      if (at <= 0) throw p.invalid("repositoryTags", entry, "use KEY=VALUE entries.");
      entries.push([entry.slice(0, at).trim(), entry.slice(at + 1).trim()]);
    }
  }
  if (entries.length > MAX_REPOSITORY_TAGS) {
    throw p.invalid(
      "repositoryTags",
      undefined,
      `give at most ${MAX_REPOSITORY_TAGS} tags (got ${entries.length}).`,
    );
  }
  const tags: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128 || value.length > 256) {
      throw p.invalid(
        "repositoryTags",
        `${key}=${value}`,
        "use keys of 1-128 characters and values of at most 256.",
      );
    }
    if (Object.hasOwn(tags, key)) {
      throw p.invalid("repositoryTags", `${key}=${value}`, `the key ${JSON.stringify(key)} is given twice.`);
    }
    tags[key] = value;
  }
  return tags;
}

export function parseCredentials(p: InputReader): CredentialInputs {
  const accessKeyId = p.text("accessKeyId");
  const secretAccessKey = p.text("secretAccessKey");
  const sessionToken = p.text("sessionToken");
  if (accessKeyId && !secretAccessKey) {
    throw p.missing("secretAccessKey", `it is required with ${p.name("accessKeyId")}.`);
  }
  if (secretAccessKey && !accessKeyId) {
    throw p.missing("accessKeyId", `it is required with ${p.name("secretAccessKey")}.`);
  }
  if (sessionToken && !accessKeyId) {
    throw p.invalid(
      "sessionToken",
      undefined,
      `a session token works only with ${p.name("accessKeyId")} and ${p.name("secretAccessKey")}, so set them or remove it.`,
    );
  }

  const roleArn = p.checked(
    "roleArn",
    isRoleArn,
    () => "use an IAM role ARN such as arn:aws:iam::123456789012:role/ecr-push.",
  );
  const webIdentityToken = p.text("webIdentityToken");
  const webIdentityTokenFile = p.text("webIdentityTokenFile");
  if (webIdentityToken && webIdentityTokenFile) {
    throw p.invalid(
      "webIdentityTokenFile",
      undefined,
      `set either ${p.name("webIdentityToken")} or ${p.name("webIdentityTokenFile")}, not both.`,
    );
  }
  if ((webIdentityToken || webIdentityTokenFile) && !roleArn) {
    throw p.missing("roleArn", "a web identity token needs the ARN of the role to assume with it.");
  }
  for (const key of ["externalId", "roleSessionName", "roleDurationSeconds"] as const) {
    if (!roleArn && p.given(key)) {
      throw p.invalid(
        key,
        p.text(key),
        `it applies only when assuming a role, so set ${p.name("roleArn")} or remove it.`,
      );
    }
  }

  return {
    accessKeyId,
    secretAccessKey,
    sessionToken,
    profile: p.text("profile"),
    roleArn,
    externalId: p.checked(
      "externalId",
      isExternalId,
      () => "use 2-1224 letters, digits, and + = , . @ : / - characters.",
    ),
    roleSessionName: p.checked(
      "roleSessionName",
      isRoleSessionName,
      () => "use 2-64 letters, digits, and + = , . @ - characters.",
    ),
    roleDurationSeconds: parseRoleDuration(p),
    webIdentityToken,
    webIdentityTokenFile,
  };
}

function parseRoleDuration(p: InputReader): number | undefined {
  const text = p.text("roleDurationSeconds");
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < ROLE_DURATION.min || seconds > ROLE_DURATION.max) {
    throw p.invalid(
      "roleDurationSeconds",
      text,
      `use a whole number of seconds from ${ROLE_DURATION.min} to ${ROLE_DURATION.max}.`,
    );
  }
  return seconds;
}

/** The region and registry account a request targets (both optional: defaults come later). */
export function parseRegistryTarget(p: InputReader): {
  region?: string;
  dualStack?: boolean;
  registryId?: string;
} {
  return {
    region: p.checked("region", isRegionCode, regionAdvice),
    dualStack: p.given("dualStack") ? p.flag("dualStack") : undefined,
    registryId: p.checked(
      "registryId",
      isRegistryId,
      () => "use the 12-digit AWS account id of the registry.",
    ),
  };
}

/** The registry hosts of ECR Public: its own, and the dual-stack one (IPv4 and IPv6). */
const PUBLIC_HOSTS = { "public.ecr.aws": false, "ecr-public.aws.com": true } as const;

/** The ECR Public host a repository input starts with (any case), or undefined. */
function publicHostOf(value: string): keyof typeof PUBLIC_HOSTS | undefined {
  const host = value.split("/")[0]?.toLowerCase() ?? "";
  return Object.hasOwn(PUBLIC_HOSTS, host) ? (host as keyof typeof PUBLIC_HOSTS) : undefined;
}

// ECR Public's rules: a registry alias of 2-50 characters, repository names of 2-205.
const PUBLIC_ALIAS = /^[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const PUBLIC_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** The Gallery's badges, in ECR Public's spelling; other values would be stored but never shown. */
export const PUBLIC_ARCHITECTURES = ["ARM", "ARM 64", "x86", "x86-64"] as const;
export const PUBLIC_OPERATING_SYSTEMS = ["Linux", "Windows"] as const;
const PUBLIC_TEXT_LIMITS = {
  publicDescription: 1024,
  publicAboutText: 25600,
  publicUsageText: 25600,
} as const;

const PUBLIC_INPUTS = [
  "publicDescription",
  "publicAboutText",
  "publicUsageText",
  "publicArchitectures",
  "publicOperatingSystems",
  "publicLogo",
] as const satisfies readonly InputKey[];

/** The repository of a push: an ECR repository name, or `public.ecr.aws/ALIAS/NAME` for ECR Public. */
function parsePushRepository(p: InputReader): { repository: string; ecrPublic?: EcrPublicTarget } {
  const value = p.text("repository");
  const host = value && publicHostOf(value);
  if (!value || !host) {
    const given = PUBLIC_INPUTS.find((key) => p.text(key) !== undefined);
    if (given) {
      throw p.invalid(
        given,
        p.text(given),
        `it applies to ECR Public repositories only, so set ${p.name("repository")} to public.ecr.aws/ALIAS/NAME or remove ${p.name(given)}.`,
      );
    }
    return { repository: parseRepository(p) };
  }
  const [, alias = "", ...rest] = value.split("/");
  const name = rest.join("/");
  const shape = `use ${host}/ALIAS/NAME, ALIAS being your public registry's alias (as in the ECR Public Gallery) and NAME the repository`;
  if (!alias || !name) throw p.invalid("repository", value, `${shape}.`);
  if (alias.length > 50 || !PUBLIC_ALIAS.test(alias)) {
    throw p.invalid(
      "repository",
      value,
      `${shape}; an alias is 2-50 lowercase letters and digits starting with a letter, with . _ - separators.`,
    );
  }
  if (name.length < 2 || name.length > 205 || !PUBLIC_NAME.test(name)) {
    throw p.invalid(
      "repository",
      value,
      `${shape}; NAME is 2-205 lowercase letters, digits, and . _ - separators, with / between path parts.`,
    );
  }
  return {
    repository: name,
    ecrPublic: { alias, dualStack: PUBLIC_HOSTS[host], catalog: parsePublicCatalog(p) },
  };
}

function parsePublicCatalog(p: InputReader): EcrPublicTarget["catalog"] {
  const text = (key: keyof typeof PUBLIC_TEXT_LIMITS) => {
    const value = p.text(key);
    if (value !== undefined && value.length > PUBLIC_TEXT_LIMITS[key]) {
      throw p.invalid(
        key,
        undefined,
        `ECR Public takes at most ${PUBLIC_TEXT_LIMITS[key]} characters (got ${value.length}).`,
      );
    }
    return value;
  };
  const badges = (key: "publicArchitectures" | "publicOperatingSystems", allowed: readonly string[]) => {
    const values = [...new Set(splitList(p.raw[key]))];
    for (const value of values) {
      if (!allowed.includes(value)) {
        const near = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
        throw p.invalid(
          key,
          value,
          `use ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}, the values the ECR Public Gallery shows${near ? ` (did you mean ${near}?)` : ""}.`,
        );
      }
    }
    return values.length > 0 ? values : undefined;
  };
  return {
    description: text("publicDescription"),
    aboutText: text("publicAboutText"),
    usageText: text("publicUsageText"),
    architectures: badges("publicArchitectures", PUBLIC_ARCHITECTURES),
    operatingSystems: badges("publicOperatingSystems", PUBLIC_OPERATING_SYSTEMS),
    logoPath: p.text("publicLogo"),
  };
}

/**
 * ECR Public repositories have no registry id to pick (the alias names the registry), no tag
 * immutability, scanning or KMS encryption: asking for them is a mistake, said before any call.
 * Their defaults (MUTABLE, no scanning, AES256), which some hosts fill in, pass.
 */
function checkPublicSettings(p: InputReader, registryId: string | undefined): void {
  const remove = (key: InputKey) =>
    `ECR Public repositories do not have it, so remove ${p.name(key)} or push to a private ECR repository.`;
  if (registryId !== undefined) {
    throw p.invalid(
      "registryId",
      registryId,
      `the alias in ${p.name("repository")} names the ECR Public registry, so remove ${p.name("registryId")}.`,
    );
  }
  const mutability = p.text("imageTagMutability");
  if (mutability !== undefined && mutability.toUpperCase() !== "MUTABLE") {
    throw p.invalid("imageTagMutability", mutability, remove("imageTagMutability"));
  }
  for (const key of ["imageTagMutabilityExclusionFilters", "kmsKey"] as const) {
    if (p.text(key) !== undefined) throw p.invalid(key, p.text(key), remove(key));
  }
  if (p.given("scanOnPush") && p.flag("scanOnPush")) {
    throw p.invalid("scanOnPush", p.text("scanOnPush"), remove("scanOnPush"));
  }
  const encryption = p.text("encryptionType");
  if (encryption !== undefined && encryption.toUpperCase() !== "AES256") {
    throw p.invalid("encryptionType", encryption, remove("encryptionType"));
  }
  if (p.text("lifecyclePolicy") !== undefined)
    throw p.invalid("lifecyclePolicy", undefined, remove("lifecyclePolicy"));
  if (p.text("repositoryPolicy") !== undefined) {
    // ECR Public has repository policies (SetRepositoryPolicy), but ecr-push does not set them.
    throw p.invalid(
      "repositoryPolicy",
      undefined,
      `ecr-push does not set ECR Public repository policies, so remove ${p.name("repositoryPolicy")} and set it in the console or with aws ecr-public set-repository-policy.`,
    );
  }
}
