import { type HostInputTable, hostInputNames, type InputNames } from "@ecr-push/core";

/**
 * Every core input as the CLI spells it (push, retag and promote), or why it has none: the CLI's
 * side of the input contract (a new core input does not compile until it is here). Core's error
 * sentences name the flag the user typed.
 */
export const CLI_INPUTS: HostInputTable = {
  source: "SOURCE",
  repository: "--repository",
  tags: "--tag",
  region: "--region",
  registryId: "--registry-id",
  createRepository: "--create-repository",
  imageTagMutability: "--image-tag-mutability",
  scanOnPush: "--scan-on-push",
  encryptionType: {
    notOffered: "--kms-key alone chooses KMS; without it a repository is created with AES256",
  },
  kmsKey: "--kms-key",
  repositoryTags: "--repository-tag",
  // Secrets never travel in argv, where the process list shows them: the environment carries keys.
  accessKeyId: { notOffered: "keys come from AWS_ACCESS_KEY_ID in the environment, never from argv" },
  secretAccessKey: { notOffered: "keys come from AWS_SECRET_ACCESS_KEY in the environment, never from argv" },
  sessionToken: { notOffered: "the token comes from AWS_SESSION_TOKEN in the environment, never from argv" },
  profile: "--profile",
  roleArn: "--role-arn",
  externalId: "--external-id",
  roleSessionName: "--role-session-name",
  roleDurationSeconds: "--role-duration-seconds",
  webIdentityToken: {
    notOffered: "a token in argv would show in the process list; use --web-identity-token-file",
  },
  webIdentityTokenFile: "--web-identity-token-file",
  removeLocalImage: "--remove-local-image",
  concurrency: "--concurrency",
  engine: "--engine",
  registrySource: { notOffered: "promote is its own command, whose SOURCE is the registry image" },
  sourceProfile: "--source-profile",
  sourceRoleArn: "--source-role-arn",
  sourceEndpointUrl: "--source-endpoint-url",
  sourceUsername: "--source-username",
  sourcePassword: "--source-password-stdin",
  platform: "--platform",
};

/** How core's sentences name each input on the command line. */
export const CLI_INPUT_NAMES: Partial<InputNames> = hostInputNames(CLI_INPUTS);
