import type { InputKey, InputNames, RawPushInputs } from "@ecr-push/core";

/**
 * Every input of action.yml and the core input it feeds: the action's public contract. Names are
 * kebab-case as GitHub users write them; core's error sentences use these spellings.
 */
export const ACTION_INPUTS = {
  image: "source",
  repository: "repository",
  tags: "tags",
  region: "region",
  "registry-id": "registryId",
  "create-repository": "createRepository",
  "image-tag-mutability": "imageTagMutability",
  "scan-on-push": "scanOnPush",
  "kms-key": "kmsKey",
  "repository-tags": "repositoryTags",
  "role-to-assume": "roleArn",
  "role-session-name": "roleSessionName",
  "role-external-id": "externalId",
  "role-duration-seconds": "roleDurationSeconds",
  "aws-access-key-id": "accessKeyId",
  "aws-secret-access-key": "secretAccessKey",
  "aws-session-token": "sessionToken",
  "remove-local-image": "removeLocalImage",
  concurrency: "concurrency",
  engine: "engine",
  source: "registrySource",
  "source-role-to-assume": "sourceRoleArn",
  "source-username": "sourceUsername",
  "source-password": "sourcePassword",
  platforms: "platform",
} as const satisfies Record<string, InputKey>;

export type ActionInputName = keyof typeof ACTION_INPUTS;

/** How core names each input in its messages; the OIDC token is not an input but is named too. */
export const GITHUB_INPUT_NAMES: Partial<InputNames> = {
  ...Object.fromEntries(Object.entries(ACTION_INPUTS).map(([name, key]) => [key, name])),
  webIdentityToken: "the GitHub OIDC token",
};

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
