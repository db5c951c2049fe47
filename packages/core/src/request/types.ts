import type { LayerCompression } from "../engine/registry/compress.js";
import type { PlatformFilter } from "../select/index.js";
/**
 * What a host adapter hands over, as leniently typed as hosts give it (mostly strings; an empty
 * string means "not set"). `parsePushRequest` turns it into a validated `PushRequest`.
 */
export interface RawPushInputs extends Omit<CredentialInputs, "roleDurationSeconds"> {
  /**
   * Local image: `name[:tag][@digest]` (tag defaults to `latest`), `sha256:<64 hex>`, or a 12-64 hex ID;
   * or a daemonless source: `docker-archive:PATH[:name:tag]` or `oci:DIR[:ref]`.
   */
  source?: string;
  repository?: string;
  /** Several tags as an array or one string separated by commas and/or newlines; none means `latest`. */
  tags?: string | string[];
  region?: string;
  /** Dual-stack (IPv4 and IPv6) API and registry endpoints; unset leaves it to AWS_USE_DUALSTACK_ENDPOINT. */
  dualStack?: boolean | string;
  /** 12-digit account id of the registry, for cross-account pushes. */
  registryId?: string;
  createRepository?: boolean | string;
  imageTagMutability?: string;
  scanOnPush?: boolean | string;
  encryptionType?: string;
  kmsKey?: string;
  /** Resource tags for a created repository: a record, or `KEY=VALUE` entries (array, or comma/newline separated). */
  repositoryTags?: Record<string, string> | string | string[];
  /** Tag wildcards (`latest`, `dev-*`) excluded from the mutability of a created repository; array or comma/newline separated. */
  imageTagMutabilityExclusionFilters?: string | string[];
  /** Lifecycle policy of a created repository: a JSON file's path (relative to the working directory) or the JSON text itself. */
  lifecyclePolicy?: string;
  /** Repository policy of a created repository: a JSON file's path or the JSON text itself. */
  repositoryPolicy?: string;
  /** Credential inputs as in `CredentialInputs`; hosts may give the duration as a string. */
  roleDurationSeconds?: number | string;
  removeLocalImage?: boolean | string;
  // ECR Public only (repository public.ecr.aws/ALIAS/NAME), for a repository the push creates:
  /** Short description shown in the ECR Public Gallery (at most 1024 characters). */
  publicDescription?: string;
  /** Markdown "About" text of the Gallery page (at most 25600 characters). */
  publicAboutText?: string;
  /** Markdown "Usage" text of the Gallery page (at most 25600 characters). */
  publicUsageText?: string;
  /** Gallery architecture badges: ARM, ARM 64, x86, x86-64 (array, or comma/newline separated). */
  publicArchitectures?: string | string[];
  /** Gallery operating system badges: Linux, Windows (array, or comma/newline separated). */
  publicOperatingSystems?: string | string[];
  /** Path of the repository's logo image file (at most 384000 bytes). */
  publicLogo?: string;
  /** How many blobs upload at once (1 to 32; default 4); not with engine `docker`. */
  concurrency?: number | string;
  /**
   * Who pushes a local image: `auto` (the default; today the registry engine), `registry` (ecr-push
   * exports the image from the daemon and speaks to the registry itself), or `docker` (docker push,
   * for daemons with registry mirrors or insecure-registry settings). Daemonless sources always
   * use the registry engine.
   */
  engine?: string;
  /**
   * How the registry engine compresses layers: `gzip` (the default; every client reads it) or
   * `zstd` (an OCI manifest with zstd layers; smaller and faster, for containerd >= 1.5 and
   * Docker >= 23 clients). Layers an OCI source already compressed are sent as they are.
   */
  compression?: string;
  // Promote only (a source in a registry, copied registry to registry):
  /**
   * For hosts with a separate input for it: an image in a registry to promote instead of pushing
   * `source` (`docker://HOST/REPO:TAG`, or an ECR image URI).
   */
  registrySource?: string;
  /** Shared config profile for the source ECR registry's credentials (default: the default chain). */
  sourceProfile?: string;
  /** Role to assume for reading the source ECR registry. */
  sourceRoleArn?: string;
  /** ECR endpoint URL of the source's region, when not the default one (a local endpoint, a VPC endpoint). */
  sourceEndpointUrl?: string;
  /** User name for a non-ECR source registry (default: the Docker config's entry for its host). */
  sourceUsername?: string;
  /** Password or token for a non-ECR source registry; a secret. */
  sourcePassword?: string;
  /** Copy only these platforms of a multi-platform source (`os/arch[/variant]`, comma-separated). */
  platform?: string | string[];
  /** Leave buildx's attestation manifests (provenance, SBOM) out of an index; the index digest then changes. */
  dropAttestations?: boolean | string;
}

/** The logical name of every input; `InputNames` says how a host spells each one. */
export type InputKey = keyof RawPushInputs;

/** How the host spells each input in its UI (`--repository`, `repository`, `repositoryName`...). */
export type InputNames = Record<InputKey, string>;

export interface SourceImage {
  /**
   * What the engine is asked for: a name with its tag (`web:latest`) or digest, or an image ID;
   * for a daemonless source, the source as given (`docker-archive:web.tar:web:1`).
   */
  reference: string;
  /** A local Docker image by name or ID, or a daemonless source read without any engine. */
  kind: "name" | "id" | "docker-archive" | "oci";
  /** Daemonless sources: the archive file or layout folder. */
  path?: string;
  /** Daemonless sources: the image in it, `name:tag` (docker-archive) or a ref name (oci). */
  image?: string;
}

/** ECR's tag mutability modes; the `_WITH_EXCLUSION` ones come with exclusion filters. */
export const IMAGE_TAG_MUTABILITIES = [
  "MUTABLE",
  "IMMUTABLE",
  "IMMUTABLE_WITH_EXCLUSION",
  "MUTABLE_WITH_EXCLUSION",
] as const;
export type ImageTagMutability = (typeof IMAGE_TAG_MUTABILITIES)[number];

export type RepositoryEncryption = { type: "AES256" } | { type: "KMS"; kmsKey?: string };

/** Settings applied only when the push creates the repository. */
export interface RepositorySettings {
  imageTagMutability?: ImageTagMutability;
  scanOnPush?: boolean;
  encryption?: RepositoryEncryption;
  tags: Record<string, string>;
  /** WILDCARD filters of a `_WITH_EXCLUSION` mode (1 to 5); empty otherwise. */
  imageTagMutabilityExclusionFilters?: string[];
  /** Checked JSON text, applied right after CreateRepository (only when this push created it). */
  lifecyclePolicy?: string;
  repositoryPolicy?: string;
}

export interface CredentialInputs {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  roleSessionName?: string;
  roleDurationSeconds?: number;
  webIdentityToken?: string;
  webIdentityTokenFile?: string;
}

/** The catalog data an ECR Public repository is created with (what the Gallery shows). */
export interface PublicCatalogSettings {
  description?: string;
  aboutText?: string;
  usageText?: string;
  architectures?: string[];
  operatingSystems?: string[];
  /** The logo file, read when the repository is created. */
  logoPath?: string;
}

/**
 * A push to ECR Public (`public.ecr.aws/ALIAS/NAME`): its own API in us-east-1, its own token and
 * repositories. `PushRequest.repository` holds NAME.
 */
export interface EcrPublicTarget {
  /** The registry alias given in the repository input (one of the account's public registry's aliases). */
  alias: string;
  /** The repository input named the dual-stack host ecr-public.aws.com. */
  dualStack: boolean;
  catalog: PublicCatalogSettings;
}

/** A validated push request: every field is well-formed; nothing has touched the network yet. */
export interface PushRequest {
  source: SourceImage;
  /** The repository name (for ECR Public, the name after the alias). */
  repository: string;
  /** Set when the repository is an ECR Public one. */
  ecrPublic?: EcrPublicTarget;
  /** At least one, unique, in the order given. */
  tags: string[];
  /** Undefined: resolved from the environment or instance metadata at push time. */
  region?: string;
  /** The dualStack input; undefined when not given (AWS_USE_DUALSTACK_ENDPOINT then decides). */
  dualStack?: boolean;
  registryId?: string;
  createRepository: boolean;
  repositorySettings: RepositorySettings;
  credentials: CredentialInputs;
  removeLocalImage: boolean;
  /** Blobs uploaded at once by the registry engine; undefined means the default. */
  concurrency?: number;
  /** Who pushes: the registry engine (every source) or docker push (local images only). */
  engine: PushEngineKind;
  /** How the registry engine writes the layers it compresses. */
  compression: LayerCompression;
  /** An OCI layout's index: only these platforms (one: that image alone); undefined keeps all. */
  platforms?: PlatformFilter[];
  /** An OCI layout's index: leave attestation manifests out. */
  dropAttestations: boolean;
}

/** The values the `compression` input takes. */
export const LAYER_COMPRESSIONS: readonly LayerCompression[] = ["gzip", "zstd"];

/** The values the `engine` input takes; `auto` resolves to one of the others. */
export const PUSH_ENGINES = ["auto", "registry", "docker"] as const;
export type PushEngineKind = "registry" | "docker";
