import type { InputKey, InputNames } from "./types.js";

/** Every logical input key spelled as itself: the default when a host gives no spelling. */
const LOGICAL_NAMES: InputNames = {
  source: "source",
  repository: "repository",
  tags: "tags",
  region: "region",
  registryId: "registryId",
  createRepository: "createRepository",
  imageTagMutability: "imageTagMutability",
  scanOnPush: "scanOnPush",
  encryptionType: "encryptionType",
  kmsKey: "kmsKey",
  repositoryTags: "repositoryTags",
  accessKeyId: "accessKeyId",
  secretAccessKey: "secretAccessKey",
  sessionToken: "sessionToken",
  profile: "profile",
  roleArn: "roleArn",
  externalId: "externalId",
  roleSessionName: "roleSessionName",
  roleDurationSeconds: "roleDurationSeconds",
  webIdentityToken: "webIdentityToken",
  webIdentityTokenFile: "webIdentityTokenFile",
  removeLocalImage: "removeLocalImage",
  concurrency: "concurrency",
  engine: "engine",
  registrySource: "registrySource",
  sourceProfile: "sourceProfile",
  sourceRoleArn: "sourceRoleArn",
  sourceEndpointUrl: "sourceEndpointUrl",
  sourceUsername: "sourceUsername",
  sourcePassword: "sourcePassword",
  platform: "platform",
};

/** The logical keys, in a stable order. */
export const INPUT_KEYS = Object.keys(LOGICAL_NAMES) as InputKey[];

/** Completes a host's partial spelling map with the logical keys. */
export function resolveInputNames(names: Partial<InputNames> = {}): InputNames {
  const resolved = { ...LOGICAL_NAMES };
  for (const key of INPUT_KEYS) {
    const spelled = names[key];
    if (spelled) resolved[key] = spelled;
  }
  return resolved;
}
