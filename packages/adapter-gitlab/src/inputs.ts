import {
  type HostInputTable,
  hostInputNames,
  type InputKey,
  type InputNames,
  type RawPushInputs,
} from "@ecr-push/core";

/**
 * The component's inputs (templates/ecr-push.yml's `spec: inputs:`), kebab-case as GitLab users
 * write them, and the core input each feeds. The component hands every one to the job as the
 * variable `ECR_PUSH_<NAME>` (upper case, `-` as `_`: see variableFor); the job reads nothing else
 * of its own. Names and defaults are a public contract, kept equal to the template by a unit test.
 * An empty value is unset, so GitLab's required `default:` of an optional input is "".
 */
export const COMPONENT_INPUTS = {
  image: { input: "source" },
  source: { input: "registrySource" },
  repository: { input: "repository" },
  tags: { input: "tags" },
  region: { input: "region" },
  "dual-stack": { input: "dualStack" },
  "registry-id": { input: "registryId" },
  "create-repository": { input: "createRepository", default: false },
  "image-tag-mutability": { input: "imageTagMutability", default: "MUTABLE" },
  "scan-on-push": { input: "scanOnPush", default: false },
  "kms-key": { input: "kmsKey" },
  "repository-tags": { input: "repositoryTags" },
  "image-tag-mutability-exclusion-filters": { input: "imageTagMutabilityExclusionFilters" },
  "lifecycle-policy": { input: "lifecyclePolicy" },
  "repository-policy": { input: "repositoryPolicy" },
  "role-arn": { input: "roleArn" },
  "role-session-name": { input: "roleSessionName" },
  "role-external-id": { input: "externalId" },
  "role-duration-seconds": { input: "roleDurationSeconds" },
  "aws-access-key-id": { input: "accessKeyId" },
  "aws-secret-access-key": { input: "secretAccessKey", secret: true },
  "aws-session-token": { input: "sessionToken", secret: true },
  "remove-local-image": { input: "removeLocalImage", default: false },
  "public-description": { input: "publicDescription" },
  "public-about-text": { input: "publicAboutText" },
  "public-usage-text": { input: "publicUsageText" },
  "public-architectures": { input: "publicArchitectures" },
  "public-operating-systems": { input: "publicOperatingSystems" },
  "public-logo": { input: "publicLogo" },
  concurrency: { input: "concurrency" },
  engine: { input: "engine", default: "auto" },
  compression: { input: "compression", default: "gzip" },
  "source-role-arn": { input: "sourceRoleArn" },
  "source-username": { input: "sourceUsername" },
  "source-password": { input: "sourcePassword", secret: true },
  platforms: { input: "platform" },
  "drop-attestations": { input: "dropAttestations", default: false },
  // The job's own: the variable `id_tokens:` fills with the OIDC token, and the dotenv report.
  "id-token-variable": { default: "AWS_ID_TOKEN" },
  dotenv: { default: "ecr-push.env" },
} as const satisfies Record<string, { input?: InputKey; default?: string | boolean; secret?: true }>;

export type ComponentInput = keyof typeof COMPONENT_INPUTS;

/** Inputs that shape the job in the template (its name, stage, image, token audience), never read by it. */
export const TEMPLATE_INPUTS = ["job-name", "stage", "job-image", "id-token-aud"] as const;

/** The variable through which the component hands `name` to the job: `ECR_PUSH_ROLE_ARN` for role-arn. */
export function variableFor(name: string): string {
  return `ECR_PUSH_${name.toUpperCase().replaceAll("-", "_")}`;
}

type Env = Record<string, string | undefined>;

const entries = Object.entries(COMPONENT_INPUTS) as [ComponentInput, { input?: InputKey; secret?: true }][];

/**
 * Every core input as the component spells it, or why it has none: GitLab's side of the input
 * contract (a new core input does not compile until it is here). Push and promote apply.
 */
export const GITLAB_INPUTS: HostInputTable = {
  ...(Object.fromEntries(entries.flatMap(([name, { input }]) => (input ? [[input, name]] : []))) as Record<
    Extract<(typeof COMPONENT_INPUTS)[ComponentInput], { input: InputKey }>["input"],
    string
  >),
  // The job's ID token, which `id_tokens:` puts in the variable id-token-variable names (role-arn).
  webIdentityToken: { fromHost: "the job's ID token (the variable id-token-variable names)" },
  encryptionType: { notOffered: "kms-key alone chooses KMS; without it a repository is created with AES256" },
  profile: { notOffered: "jobs have no shared AWS config; masked key variables or id_tokens with role-arn" },
  webIdentityTokenFile: {
    notOffered: "GitLab hands the ID token over as a variable (id_tokens), not a file",
  },
  sourceProfile: { notOffered: "jobs have no shared AWS config; source-role-arn instead" },
  sourceEndpointUrl: { notOffered: "AWS_ENDPOINT_URL_ECR in the job's variables serves the same purpose" },
};

/** How core's error sentences name each input: as the component's user writes it. */
export const GITLAB_INPUT_NAMES: Partial<InputNames> = hostInputNames(GITLAB_INPUTS);

/** The job's OIDC token: the variable id-token-variable names (AWS_ID_TOKEN unless set; empty: none). */
export function idToken(env: Env): { variable: string; token?: string } {
  const variable = (env[variableFor("id-token-variable")] ?? "AWS_ID_TOKEN").trim();
  return { variable, token: (variable && env[variable]?.trim()) || undefined };
}

/**
 * The component's variables as core's raw inputs; unset ones stay unset, so core applies its
 * defaults and credentials left out fall through to the default chain (masked AWS_* variables).
 * With role-arn the job's ID token goes along: core prefers keys given as inputs, else the token.
 */
export function jobInputs(env: Env): RawPushInputs {
  const raw: Record<string, string | undefined> = {};
  for (const [name, { input }] of entries) if (input) raw[input] = env[variableFor(name)];
  if (raw.roleArn?.trim()) raw.webIdentityToken = idToken(env).token;
  return raw as RawPushInputs;
}

/** The secret values the job was given (keys, passwords, the ID token), to mask before anything prints. */
export function secretInputs(env: Env): string[] {
  const given = entries.flatMap(([name, spec]) => (spec.secret && env[variableFor(name)]?.trim()) || []);
  const { token } = idToken(env);
  return token ? [...given, token] : given;
}

/**
 * The job's variables a child process (docker) must not inherit: the component's own, the ID
 * token's, and GitLab's job credentials (job token and JWTs, registry and deploy passwords).
 */
export function secretVariables(env: Env): RegExp {
  const { variable } = idToken(env);
  const token = /^\w+$/.test(variable) ? `|${variable}$` : "";
  return new RegExp(
    `^(ECR_PUSH_|CI_JOB_TOKEN$|CI_JOB_JWT|CI_REGISTRY_PASSWORD$|CI_DEPENDENCY_PROXY_PASSWORD$|CI_DEPLOY_PASSWORD$${token})`,
  );
}
