import {
  type HostInputTable,
  hostInputNames,
  type InputKey,
  type InputNames,
  type RawPushInputs,
} from "@ecr-push/core";

/**
 * The step's arguments: environment variables of the same names, set by the typed step (step.yaml)
 * or by a freestyle step's `environment`. Names and defaults are a public contract; step.yaml's
 * JSON Schema documents exactly these (a unit test keeps the two equal).
 */
export const STEP_ARGUMENTS = {
  IMAGE: { input: "source" },
  REPOSITORY: { input: "repository" },
  // No default: empty means latest for a push and the source's tag for a promote.
  TAGS: { input: "tags" },
  REGION: { input: "region" },
  DUAL_STACK: { input: "dualStack" },
  REGISTRY_ID: { input: "registryId" },
  CREATE_REPOSITORY: { input: "createRepository", default: false },
  IMAGE_TAG_MUTABILITY: { input: "imageTagMutability", default: "MUTABLE" },
  SCAN_ON_PUSH: { input: "scanOnPush", default: false },
  KMS_KEY: { input: "kmsKey" },
  // After the repository's tags (which the step does not offer): more settings of a created repository.
  IMAGE_TAG_MUTABILITY_EXCLUSION_FILTERS: { input: "imageTagMutabilityExclusionFilters" },
  LIFECYCLE_POLICY: { input: "lifecyclePolicy" },
  REPOSITORY_POLICY: { input: "repositoryPolicy" },
  ROLE_ARN: { input: "roleArn" },
  ROLE_SESSION_NAME: { input: "roleSessionName" },
  AWS_ACCESS_KEY_ID: { input: "accessKeyId" },
  AWS_SECRET_ACCESS_KEY: { input: "secretAccessKey", secret: true },
  AWS_SESSION_TOKEN: { input: "sessionToken", secret: true },
  REMOVE_LOCAL_IMAGE: { input: "removeLocalImage", default: false },
  // ECR Public (REPOSITORY public.ecr.aws/ALIAS/NAME): the Gallery's data of a created repository.
  PUBLIC_DESCRIPTION: { input: "publicDescription" },
  PUBLIC_ABOUT_TEXT: { input: "publicAboutText" },
  PUBLIC_USAGE_TEXT: { input: "publicUsageText" },
  PUBLIC_ARCHITECTURES: { input: "publicArchitectures" },
  PUBLIC_OPERATING_SYSTEMS: { input: "publicOperatingSystems" },
  PUBLIC_LOGO: { input: "publicLogo" },
  // A number in the pipeline's YAML; it still reaches the step as a string, as every variable does.
  CONCURRENCY: { input: "concurrency", schemaType: "integer" },
  // auto (the registry engine), registry, or docker (docker push).
  ENGINE: { input: "engine", default: "auto" },
  // gzip, or zstd (an OCI manifest with zstd layers).
  COMPRESSION: { input: "compression", default: "gzip" },
  // Promote instead of push: an image in a registry, copied into REPOSITORY without pulling it.
  SOURCE: { input: "registrySource" },
  SOURCE_ROLE_ARN: { input: "sourceRoleArn" },
  SOURCE_USERNAME: { input: "sourceUsername" },
  SOURCE_PASSWORD: { input: "sourcePassword", secret: true },
  PLATFORMS: { input: "platform" },
  DROP_ATTESTATIONS: { input: "dropAttestations", default: false },
} as const satisfies Record<
  string,
  { input: InputKey; default?: string | boolean; secret?: true; schemaType?: "integer" }
>;

export type StepArgument = keyof typeof STEP_ARGUMENTS;

type Env = Record<string, string | undefined>;

const entries = Object.entries(STEP_ARGUMENTS) as [StepArgument, (typeof STEP_ARGUMENTS)[StepArgument]][];

/**
 * Every core input as the step spells it, or why it has none: the step's side of the input
 * contract (a new core input does not compile until it is here). Push and promote apply.
 */
export const CODEFRESH_INPUTS: HostInputTable = {
  ...(Object.fromEntries(entries.map(([name, argument]) => [argument.input, name])) as Record<
    (typeof STEP_ARGUMENTS)[StepArgument]["input"],
    string
  >),
  encryptionType: { notOffered: "KMS_KEY alone chooses KMS; without it a repository is created with AES256" },
  repositoryTags: { notOffered: "not asked for by Codefresh users yet; tag repositories with the CLI" },
  profile: { notOffered: "step containers have no shared AWS config; keys, ROLE_ARN or IRSA instead" },
  externalId: { notOffered: "ROLE_ARN is assumed from keys or IRSA, which need no external ID here" },
  roleDurationSeconds: {
    notOffered: "the role's credentials last the SDK's default hour, longer than a step",
  },
  webIdentityToken: { notOffered: "IRSA's token file is read by the default chain, not passed as a value" },
  webIdentityTokenFile: {
    notOffered: "IRSA sets AWS_WEB_IDENTITY_TOKEN_FILE, which the default chain reads",
  },
  sourceProfile: { notOffered: "step containers have no shared AWS config; SOURCE_ROLE_ARN instead" },
  sourceEndpointUrl: { notOffered: "AWS_ENDPOINT_URL_ECR in the step's environment serves the same purpose" },
};

/** How core's error sentences name each input: as the Codefresh user writes it. */
export const CODEFRESH_INPUT_NAMES: Partial<InputNames> = hostInputNames(CODEFRESH_INPUTS);

/**
 * The step's arguments as core's raw inputs. Unset arguments stay unset: core applies the same
 * defaults, and credentials left out fall through to the default chain (IRSA included).
 */
export function stepInputs(env: Env): RawPushInputs {
  const raw: Record<string, string | undefined> = {};
  for (const [name, argument] of entries) raw[argument.input] = env[name];
  return raw as RawPushInputs;
}

/** The secret arguments' names, which a child process (docker) must not inherit. */
export const SECRET_ARGUMENTS = new RegExp(
  `^(${entries.flatMap(([name, argument]) => ("secret" in argument ? [name] : [])).join("|")})$`,
);

/** The secret argument values, to mask before anything could print them. */
export function secretArguments(env: Env): string[] {
  return entries.flatMap(([name, argument]) => ("secret" in argument && env[name]?.trim()) || []);
}
