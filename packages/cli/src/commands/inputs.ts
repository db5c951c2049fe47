import {
  type HostInputTable,
  hostInputNames,
  INPUTS,
  type InputKey,
  type InputNames,
  type RawPushInputs,
} from "@ecr-push/core";

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
  compression: "--compression",
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

/** A parseArgs option. */
interface FlagOption {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
}

const SHORT: Partial<Record<InputKey, string>> = { repository: "r", tags: "t" };

/** Read from stdin when the flag is given: a secret never travels in argv (promote reads it). */
const FROM_STDIN: readonly InputKey[] = ["sourcePassword"];

/**
 * The parseArgs options of `keys`, named as the table spells them: a flag input a boolean, a
 * list a repeatable string, anything else a string. So the flags a command accepts are its
 * table's, and core's sentences name exactly what the user typed.
 */
export function inputOptions<K extends InputKey>(keys: readonly K[]): Record<string, FlagOption> {
  const options: Record<string, FlagOption> = {};
  for (const key of keys) {
    const flag = flagOf(key);
    const kind = INPUTS[key].kind;
    const option: FlagOption =
      kind === "flag" || FROM_STDIN.includes(key)
        ? { type: "boolean" }
        : kind === "list"
          ? { type: "string", multiple: true }
          : { type: "string" };
    const short = SHORT[key];
    options[flag] = short ? { ...option, short } : option;
  }
  return options;
}

/** The raw inputs of `keys` from parsed flags (stdin-read ones are the command's to read). */
export function inputsOf(values: Record<string, unknown>, keys: readonly InputKey[]): Partial<RawPushInputs> {
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    if (FROM_STDIN.includes(key)) continue;
    raw[key] = values[flagOf(key)];
  }
  return raw as Partial<RawPushInputs>;
}

/** `--repository-tag` → `repository-tag`; only spelled flags have options. */
function flagOf(key: InputKey): string {
  const spelled = CLI_INPUTS[key];
  if (typeof spelled !== "string" || !spelled.startsWith("--")) {
    throw new Error(`ecr-push: the CLI offers no flag for ${key}`);
  }
  return spelled.slice(2);
}
