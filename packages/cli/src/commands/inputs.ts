import {
  type Command,
  type HostInputTable,
  hostInputNames,
  INPUTS,
  type InputKey,
  type InputNames,
  type RawPushInputs,
} from "@ecr-push/core";
import type { OptionHelp } from "../usage.js";

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
  dualStack: "--dual-stack",
  registryId: "--registry-id",
  createRepository: "--create-repository",
  imageTagMutability: "--image-tag-mutability",
  scanOnPush: "--scan-on-push",
  encryptionType: {
    notOffered: "--kms-key alone chooses KMS; without it a repository is created with AES256",
  },
  kmsKey: "--kms-key",
  repositoryTags: "--repository-tag",
  imageTagMutabilityExclusionFilters: "--image-tag-mutability-exclusion-filter",
  lifecyclePolicy: "--lifecycle-policy",
  repositoryPolicy: "--repository-policy",
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
  publicDescription: "--public-description",
  publicAboutText: "--public-about-text",
  publicUsageText: "--public-usage-text",
  publicArchitectures: "--public-architecture",
  publicOperatingSystems: "--public-operating-system",
  publicLogo: "--public-logo",
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
  dropAttestations: "--no-attestations",
};

/**
 * How `--help` shows each flag: its value's placeholder, and its line where the CLI says more than
 * core's help line (defaults, ranges, the flags it goes with), per command where the commands
 * differ (the repository push writes to is promote's destination). Without them, VALUE (N for a
 * number) and core's line, so a new input is in the help before it has words of its own.
 */
interface FlagHelp {
  value?: string;
  help?: string | Partial<Record<Command, string>>;
}

const REGION_DEFAULT = "(default: AWS_REGION, AWS_DEFAULT_REGION, then instance metadata)";

export const CLI_HELP: Partial<Record<InputKey, FlagHelp>> = {
  repository: {
    value: "NAME",
    help: {
      push: "ECR repository to push to (required); public.ecr.aws/ALIAS/NAME for ECR Public",
      promote: "ECR repository to copy to (required)",
    },
  },
  tags: {
    value: "TAG",
    help: {
      push: "Tag to push; repeat or separate with commas (default: latest)",
      retag: "New tag; repeat or separate with commas (required)",
      promote:
        "Tag in the destination; repeat or separate with commas (default: the source's tag, else latest)",
    },
  },
  region: {
    value: "REGION",
    help: {
      push: `AWS region ${REGION_DEFAULT}`,
      retag: `AWS region ${REGION_DEFAULT}`,
      promote: `Destination AWS region ${REGION_DEFAULT}`,
    },
  },
  dualStack: {
    help: "Use ECR's dual-stack (IPv4 and IPv6) API and registry endpoints, ACCOUNT.dkr-ecr.REGION.on.aws (default: AWS_USE_DUALSTACK_ENDPOINT)",
  },
  registryId: {
    value: "ID",
    help: {
      push: "12-digit account id of the registry, for cross-account pushes",
      retag: "12-digit account id of the registry, for cross-account repositories",
      promote: "12-digit account id of the destination registry",
    },
  },
  createRepository: {
    help: {
      push: "Create the repository when it does not exist",
      promote: "Create the destination repository when it does not exist",
    },
  },
  imageTagMutability: {
    value: "M",
    help: "MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, for a created repository (default: MUTABLE)",
  },
  scanOnPush: { help: "Turn on scan on push for a created repository" },
  kmsKey: { value: "KEY", help: "Encrypt a created repository with this KMS key (default: AES256)" },
  repositoryTags: { value: "KEY=VALUE", help: "Resource tag for a created repository; repeatable" },
  imageTagMutabilityExclusionFilters: {
    value: "WILDCARD",
    help: "Tag excluded from the mode of a _WITH_EXCLUSION repository (latest, dev-*); repeatable, at most 5",
  },
  lifecyclePolicy: {
    value: "FILE",
    help: "Lifecycle policy (a JSON file, or JSON starting with {) set on a created repository",
  },
  repositoryPolicy: {
    value: "FILE",
    help: "Repository policy (a JSON file, or JSON starting with {) set on a created repository",
  },
  profile: {
    value: "NAME",
    help: {
      push: "Shared config profile for credentials",
      retag: "Shared config profile for credentials",
      promote: "Destination: shared config profile for credentials",
    },
  },
  roleArn: {
    value: "ARN",
    help: {
      push: "Role to assume before pushing",
      retag: "Role to assume first",
      promote: "Destination: role to assume",
    },
  },
  externalId: { value: "ID", help: "External id for --role-arn" },
  roleSessionName: { value: "NAME", help: "Session name for --role-arn (default: ecr-push)" },
  roleDurationSeconds: { value: "N", help: "Session length for --role-arn, 900 to 43200" },
  webIdentityTokenFile: { value: "F", help: "Web identity (OIDC) token file, used with --role-arn" },
  removeLocalImage: { help: "Remove the source image from the local engine after the push" },
  publicDescription: { value: "TEXT", help: "ECR Public: Gallery description of a created repository" },
  publicAboutText: { value: "MARKDOWN", help: "ECR Public: About text of a created repository" },
  publicUsageText: { value: "MARKDOWN", help: "ECR Public: Usage text of a created repository" },
  publicArchitectures: {
    value: "ARCH",
    help: "ECR Public: ARM, ARM 64, x86 or x86-64, for a created repository; repeatable",
  },
  publicOperatingSystems: {
    value: "OS",
    help: "ECR Public: Linux or Windows, for a created repository; repeatable",
  },
  publicLogo: {
    value: "FILE",
    help: "ECR Public: logo image of a created repository (at most 384000 bytes)",
  },
  concurrency: { value: "N", help: "Blobs uploaded at once, 1 to 32 (default: 4; not with --engine docker)" },
  engine: {
    value: "ENGINE",
    help: "Who pushes a local image: auto (default) or registry (ecr-push itself, sending only missing layers), or docker (docker push, for a daemon with registry-mirrors or insecure-registries set for the registry)",
  },
  compression: {
    value: "C",
    help: "gzip (default; every client reads it) or zstd (smaller and faster; needs Node.js 22.15+, pulled by Docker 23+ and containerd 1.5+)",
  },
  platform: {
    value: "OS/ARCH[/VAR]",
    help: {
      push: "oci: source holding an index: push only this platform (one: that image manifest alone, for Lambda); repeatable",
      retag: "Source is an index: tag only this platform (one: that image manifest alone); repeatable",
      promote:
        "Copy only this platform of a multi-platform image (one: that image manifest alone); repeatable",
    },
  },
  dropAttestations: {
    help: "Leave attestation manifests (buildx provenance, SBOM) out of an index; its digest then changes",
  },
  sourceProfile: { value: "NAME", help: "ECR source: shared config profile (a read-only one is enough)" },
  sourceRoleArn: { value: "ARN", help: "ECR source: role to assume for reading it" },
  sourceEndpointUrl: {
    value: "URL",
    help: "ECR source: ECR API endpoint of its region, when not the default",
  },
  sourceUsername: { value: "NAME", help: "Other registries: user name" },
  sourcePassword: { help: "Other registries: read the password or token from stdin" },
};

/**
 * The Options lines of `keys` for `command`: each flag as CLI_INPUTS spells it, with CLI_HELP's
 * placeholder and text, else a generic placeholder and core's help line.
 */
export function inputHelp(command: Command, keys: readonly InputKey[]): OptionHelp[] {
  return keys.map((key) => {
    const shown = CLI_HELP[key] ?? {};
    const text = typeof shown.help === "string" ? shown.help : shown.help?.[command];
    const short = SHORT[key];
    return {
      flag: flagOf(key),
      ...(short ? { short } : {}),
      ...(isSwitch(key) ? {} : { value: shown.value ?? (INPUTS[key].kind === "number" ? "N" : "VALUE") }),
      help: text ?? INPUTS[key].help.replace(/\.$/, ""),
    };
  });
}

/**
 * The inputs `command` reads that the CLI takes as flags, in core's order: a command's options and
 * its help both come from them, so a core input for the command needs only its CLI_INPUTS entry.
 */
export function commandInputs(command: Command): InputKey[] {
  return (Object.keys(INPUTS) as InputKey[]).filter((key) => {
    const spelled = CLI_INPUTS[key];
    const commands: readonly Command[] = INPUTS[key].commands;
    return commands.includes(command) && typeof spelled === "string" && spelled.startsWith("--");
  });
}

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
    const option: FlagOption = isSwitch(key)
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

/** A flag without a value: a yes/no input, or one read from stdin when given. */
function isSwitch(key: InputKey): boolean {
  return INPUTS[key].kind === "flag" || FROM_STDIN.includes(key);
}

/** `--repository-tag` → `repository-tag`; only spelled flags have options. */
function flagOf(key: InputKey): string {
  const spelled = CLI_INPUTS[key];
  if (typeof spelled !== "string" || !spelled.startsWith("--")) {
    throw new Error(`ecr-push: the CLI offers no flag for ${key}`);
  }
  return spelled.slice(2);
}
