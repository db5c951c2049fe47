import {
  type HostInputTable,
  hostInputNames,
  type InputKey,
  type InputNames,
  type RawPushInputs,
} from "@ecr-push/core";

/**
 * Every input of action.yml and the core input it feeds: the action's public contract. Names are
 * kebab-case as GitHub users write them; core's error sentences use these spellings.
 */
export const ACTION_INPUTS = {
  image: "source",
  repository: "repository",
  tags: "tags",
  region: "region",
  "dual-stack": "dualStack",
  "registry-id": "registryId",
  "create-repository": "createRepository",
  "image-tag-mutability": "imageTagMutability",
  "scan-on-push": "scanOnPush",
  "kms-key": "kmsKey",
  "repository-tags": "repositoryTags",
  "image-tag-mutability-exclusion-filters": "imageTagMutabilityExclusionFilters",
  "lifecycle-policy": "lifecyclePolicy",
  "repository-policy": "repositoryPolicy",
  "role-to-assume": "roleArn",
  "role-session-name": "roleSessionName",
  "role-external-id": "externalId",
  "role-duration-seconds": "roleDurationSeconds",
  "aws-access-key-id": "accessKeyId",
  "aws-secret-access-key": "secretAccessKey",
  "aws-session-token": "sessionToken",
  "remove-local-image": "removeLocalImage",
  "public-description": "publicDescription",
  "public-about-text": "publicAboutText",
  "public-usage-text": "publicUsageText",
  "public-architectures": "publicArchitectures",
  "public-operating-systems": "publicOperatingSystems",
  "public-logo": "publicLogo",
  concurrency: "concurrency",
  engine: "engine",
  compression: "compression",
  source: "registrySource",
  "source-role-to-assume": "sourceRoleArn",
  "source-username": "sourceUsername",
  "source-password": "sourcePassword",
  platforms: "platform",
  "drop-attestations": "dropAttestations",
} as const satisfies Record<string, InputKey>;

export type ActionInputName = keyof typeof ACTION_INPUTS;

/**
 * Every core input as the action spells it, or why it has none: the action's side of the input
 * contract (a new core input does not compile until it is here). Push and promote apply.
 */
export const GITHUB_INPUTS: HostInputTable = {
  ...(Object.fromEntries(Object.entries(ACTION_INPUTS).map(([name, key]) => [key, name])) as Record<
    (typeof ACTION_INPUTS)[ActionInputName],
    string
  >),
  // The runner's OIDC token, fetched when role-to-assume is set without keys.
  webIdentityToken: { fromHost: "the GitHub OIDC token" },
  encryptionType: { notOffered: "kms-key alone chooses KMS; without it a repository is created with AES256" },
  profile: { notOffered: "runners have no shared AWS config; keys, OIDC or the runner's own role instead" },
  webIdentityTokenFile: { notOffered: "the runner's OIDC token is fetched directly, never from a file" },
  sourceProfile: { notOffered: "runners have no shared AWS config; source-role-to-assume instead" },
  sourceEndpointUrl: { notOffered: "AWS_ENDPOINT_URL_ECR in the job's env serves the same purpose" },
};

/** How core names each input in its messages; the OIDC token is not an input but is named too. */
export const GITHUB_INPUT_NAMES: Partial<InputNames> = hostInputNames(GITHUB_INPUTS);

/** Inputs whose values are secrets: registered with the runner's masking as soon as they are read. */
export const SECRET_INPUTS: readonly ActionInputName[] = [
  "aws-access-key-id",
  "aws-secret-access-key",
  "aws-session-token",
  "source-password",
];

/** Reads every input with `getInput` (the runner's INPUT_* variables) into core's raw inputs. */
export function readInputs(getInput: (name: ActionInputName) => string): RawPushInputs {
  const raw: Record<string, string> = {};
  for (const [name, key] of Object.entries(ACTION_INPUTS)) raw[key] = getInput(name as ActionInputName);
  return raw as RawPushInputs;
}
