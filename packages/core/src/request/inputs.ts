import type { InputKey } from "./types.js";

/** What a host runs: a push, a retag in one repository, or a promote from another registry. */
export type Command = "push" | "retag" | "promote";

/** How a value is read: one string, a yes/no, a list (commas, newlines or repeats), a number. */
export type InputKind = "text" | "flag" | "list" | "number";

export interface InputSpec {
  kind: InputKind;
  /** Registered with the host's masking before anything could print it. */
  secret?: true;
  /** The commands that read it; a host offering a command must offer its inputs. */
  commands: readonly Command[];
  /** One line for help texts and generated docs. */
  help: string;
}

const ALL: readonly Command[] = ["push", "retag", "promote"];
const CREATING: readonly Command[] = ["push", "promote"];
const PROMOTE: readonly Command[] = ["promote"];
const PUSH: readonly Command[] = ["push"];

/**
 * Every input of ecr-push, declared once. Hosts spell them their own way (HostInputTable); the
 * keys are core's, and core's sentences name an input by the host's spelling.
 */
export const INPUTS = {
  source: {
    kind: "text",
    commands: ALL,
    help: "The image: a local name[:tag] or image ID, docker-archive:FILE, oci:DIR; for retag REPOSITORY:TAG; for promote docker://HOST/REPOSITORY:TAG.",
  },
  repository: {
    kind: "text",
    commands: CREATING,
    help: "The ECR repository to push to; public.ecr.aws/ALIAS/NAME for ECR Public.",
  },
  tags: { kind: "list", commands: ALL, help: "Tags to push (default latest)." },
  region: { kind: "text", commands: ALL, help: "AWS region (default: AWS_REGION, then instance metadata)." },
  dualStack: {
    kind: "flag",
    commands: ALL,
    help: "Use ECR's dual-stack (IPv4 and IPv6) endpoints (default: AWS_USE_DUALSTACK_ENDPOINT).",
  },
  registryId: { kind: "text", commands: ALL, help: "Account ID of the registry, for cross-account pushes." },
  createRepository: { kind: "flag", commands: CREATING, help: "Create the repository when it is missing." },
  imageTagMutability: {
    kind: "text",
    commands: CREATING,
    help: "MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, for a created repository.",
  },
  scanOnPush: { kind: "flag", commands: CREATING, help: "Scan on push, for a created repository." },
  encryptionType: { kind: "text", commands: CREATING, help: "AES256 or KMS, for a created repository." },
  kmsKey: { kind: "text", commands: CREATING, help: "KMS key of a created repository (implies KMS)." },
  repositoryTags: {
    kind: "list",
    commands: CREATING,
    help: "KEY=VALUE resource tags of a created repository.",
  },
  imageTagMutabilityExclusionFilters: {
    kind: "list",
    commands: CREATING,
    help: "Up to 5 tag wildcards (latest, dev-*) excluded from a created repository's tag mutability; only with a _WITH_EXCLUSION mode.",
  },
  lifecyclePolicy: {
    kind: "text",
    commands: CREATING,
    help: "Lifecycle policy JSON (a file, or the JSON itself) applied to a repository this push creates.",
  },
  repositoryPolicy: {
    kind: "text",
    commands: CREATING,
    help: "Repository policy JSON (a file, or the JSON itself) applied to a repository this push creates.",
  },
  accessKeyId: { kind: "text", commands: ALL, help: "AWS access key ID." },
  secretAccessKey: { kind: "text", secret: true, commands: ALL, help: "AWS secret access key." },
  sessionToken: { kind: "text", secret: true, commands: ALL, help: "AWS session token of temporary keys." },
  profile: { kind: "text", commands: ALL, help: "Shared config profile." },
  roleArn: { kind: "text", commands: ALL, help: "IAM role to assume." },
  externalId: { kind: "text", commands: ALL, help: "External ID for the role." },
  roleSessionName: { kind: "text", commands: ALL, help: "Session name of the assumed role." },
  roleDurationSeconds: {
    kind: "number",
    commands: ALL,
    help: "Lifetime of the role's credentials, in seconds.",
  },
  webIdentityToken: {
    kind: "text",
    secret: true,
    commands: ALL,
    help: "OIDC token exchanged for the role's credentials.",
  },
  webIdentityTokenFile: { kind: "text", commands: ALL, help: "File holding the OIDC token." },
  removeLocalImage: { kind: "flag", commands: PUSH, help: "Remove the local source image after the push." },
  publicDescription: {
    kind: "text",
    commands: PUSH,
    help: "ECR Public: Gallery description of a created repository (at most 1024 characters).",
  },
  publicAboutText: {
    kind: "text",
    commands: PUSH,
    help: "ECR Public: Markdown About text of a created repository.",
  },
  publicUsageText: {
    kind: "text",
    commands: PUSH,
    help: "ECR Public: Markdown Usage text of a created repository.",
  },
  publicArchitectures: {
    kind: "list",
    commands: PUSH,
    help: "ECR Public: architectures of a created repository (ARM, ARM 64, x86, x86-64).",
  },
  publicOperatingSystems: {
    kind: "list",
    commands: PUSH,
    help: "ECR Public: operating systems of a created repository (Linux, Windows).",
  },
  publicLogo: {
    kind: "text",
    commands: PUSH,
    help: "ECR Public: logo image file of a created repository (at most 384000 bytes).",
  },
  concurrency: { kind: "number", commands: PUSH, help: "Blobs uploaded at once (1 to 32, default 4)." },
  engine: { kind: "text", commands: PUSH, help: "auto, registry or docker: who pushes a local image." },
  compression: {
    kind: "text",
    commands: PUSH,
    help: "gzip (default) or zstd: how the layers ecr-push compresses are written.",
  },
  registrySource: {
    kind: "text",
    commands: PROMOTE,
    help: "For hosts with a separate input for it: the image in a registry to promote.",
  },
  sourceProfile: { kind: "text", commands: PROMOTE, help: "Shared config profile for an ECR source." },
  sourceRoleArn: { kind: "text", commands: PROMOTE, help: "Role to assume to read an ECR source." },
  sourceEndpointUrl: { kind: "text", commands: PROMOTE, help: "ECR endpoint URL of the source's region." },
  sourceUsername: { kind: "text", commands: PROMOTE, help: "User name for a non-ECR source registry." },
  sourcePassword: {
    kind: "text",
    secret: true,
    commands: PROMOTE,
    help: "Password or token for a non-ECR source registry.",
  },
  platform: {
    kind: "list",
    commands: ALL,
    help: "Only these platforms of a multi-platform index (os/arch[/variant]); one platform: that image alone.",
  },
  dropAttestations: {
    kind: "flag",
    commands: ALL,
    help: "Leave attestation manifests (buildx provenance, SBOM) out of a multi-platform index.",
  },
} as const satisfies Record<InputKey, InputSpec>;

/** A host does not offer an input, on purpose; `why` is said in its table and in generated docs. */
export interface NotOffered {
  notOffered: string;
}

/**
 * A value the host supplies itself, not an input the user sets (the runner's OIDC token): named
 * in core's sentences as `fromHost` says.
 */
export interface FromHost {
  fromHost: string;
}

/**
 * How one host spells every input: its name, what the host supplies itself, or why it does not
 * offer it. A Record, so a new input in INPUTS does not compile until every host has said what it
 * does with it.
 */
export type HostInputEntry = string | FromHost | NotOffered;
export type HostInputTable = Record<InputKey, HostInputEntry>;

/** How core's sentences name an entry's input; undefined for one the host does not offer. */
function spellingOf(entry: HostInputEntry | undefined): string | undefined {
  if (typeof entry === "string") return entry;
  return entry && "fromHost" in entry ? entry.fromHost : undefined;
}

/** The spellings of a table, for core's sentences (inputs not offered keep core's name). */
export function hostInputNames(table: HostInputTable): Partial<Record<InputKey, string>> {
  return Object.fromEntries(
    Object.entries(table).flatMap(([key, entry]) => {
      const spelled = spellingOf(entry);
      return spelled === undefined ? [] : [[key, spelled]];
    }),
  ) as Partial<Record<InputKey, string>>;
}

/**
 * The inputs that apply to `commands` which the table neither spells nor explicitly declines,
 * with a reason of at least a few words. The contract test of every host expects none.
 */
export function uncoveredInputs(
  table: Partial<Record<InputKey, HostInputEntry>>,
  commands: readonly Command[],
): InputKey[] {
  return (Object.keys(INPUTS) as InputKey[]).filter((key) => {
    if (!INPUTS[key].commands.some((command) => commands.includes(command))) return false;
    const entry = table[key];
    const spelled = spellingOf(entry);
    if (spelled !== undefined) return spelled.trim() === "";
    if (typeof entry !== "object" || !("notOffered" in entry)) return true;
    return entry.notOffered.trim().split(/\s+/).length < 3;
  });
}

/** The inputs a table declines, with its reasons (for generated docs). */
export function notOffered(table: HostInputTable): { key: InputKey; why: string }[] {
  return Object.entries(table).flatMap(([key, entry]) =>
    typeof entry === "object" && "notOffered" in entry
      ? [{ key: key as InputKey, why: entry.notOffered }]
      : [],
  );
}
