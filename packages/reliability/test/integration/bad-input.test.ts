import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  azureDriver,
  cliDriver,
  codefreshDriver,
  componentVariableInputs,
  EcrFixture,
  githubDriver,
  gitlabDriver,
  type HostRun,
} from "@ecr-push/e2e";
import {
  buildTestImage,
  dockerEnv,
  dockerForTests,
  runOk,
  writeMultiPlatformOciLayout,
} from "@ecr-push/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy, otherDigest } from "../../src/fault-proxy.js";
import { recordFigures } from "../../src/figures.js";

type HostName = "CLI" | "GitHub" | "Azure" | "Codefresh" | "GitLab";
/** The variable the component hands `input` to its job in: ECR_PUSH_ROLE_ARN for role-arn. */
const gitlabVariable = (input: string) => `ECR_PUSH_${input.toUpperCase().replaceAll("-", "_")}`;
type Env = Record<string, string | undefined>;
const dockerHost = dockerForTests();

/** The largest blob of an OCI layout: a layer. */
function largestBlob(layout: string): { file: string; size: number } {
  const blobs = path.join(layout, "blobs", "sha256");
  const largest = readdirSync(blobs)
    .map((name) => ({ file: path.join(blobs, name), size: statSync(path.join(blobs, name)).size }))
    .sort((a, b) => b.size - a.size)[0];
  if (!largest) throw new Error(`${layout} has no blobs`);
  return largest;
}

/** What a host reported: how it ended, its one error sentence, and everything it printed. */
interface Outcome {
  /**
   * The CLI's exit code; for the CI hosts 1 when the step failed (Azure says so in a logging
   * command); the GitLab job exits like the CLI (2 bad input, 1 failure).
   */
  code: number;
  error?: string;
  errors: string[];
  log: string;
  /** GitLab only: the dotenv report the job left in its project folder (a failed job writes none). */
  dotenv?: string;
}

/**
 * One bad input: the host, its configuration, and what must come out. `$ARCHIVE`, `$LAYOUT`, `$MULTI`,
 * `$BROKEN`, `$TRUNCATED`, `$REGISTRY`, `$ENDPOINT` and `$ACCOUNT` are filled in once the fixture exists,
 * as are `$DIGEST_PROXY` (the endpoint of a front that rewrites the digest of one blob commit),
 * `$PROXY_HOST` (its registry host), `$BLOB` (that blob) and `$WRONG_DIGEST` (what it answers),
 * also in a case's environment.
 */
interface Case {
  name: string;
  host: HostName;
  /**
   * CLI arguments after `push`, or a CI host's inputs (GitHub/Azure, and GitLab's component inputs,
   * handed to its job as ECR_PUSH_* variables) or variables (Codefresh).
   */
  args?: string[];
  inputs?: Record<string, string>;
  env?: Env;
  code: number;
  sentence: string | RegExp;
}

const NO_DOCKER: Env = { PATH: "/nonexistent", DOCKER_HOST: "unix:///nonexistent/docker.sock" };
const NO_KEYS: Env = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
const cli = (name: string, args: string[], code: number, sentence: string | RegExp, env?: Env): Case => ({
  name,
  host: "CLI",
  args,
  code,
  sentence,
  env,
});

const gitlab = (
  name: string,
  inputs: Record<string, string>,
  code: number,
  sentence: string | RegExp,
  env?: Env,
): Case => ({ name, host: "GitLab", inputs, code, sentence, env });

/**
 * The bad values of the repository-creation inputs added for exclusion filters and policies, as
 * one scenario list every host runs with its own spellings (`names`: mode, filters, lifecycle,
 * repository policy) and exit code. No AWS call is made: each is refused while the request is read.
 */
const NO_SUCH_POLICY = "/nonexistent/ecr-push/lifecycle.json";
function creationSettingCases(
  host: HostName,
  names: { mode: string; filters: string; lifecycle: string; policy: string },
  code: number,
  base: Record<string, string>,
): Case[] {
  const scenario = (name: string, values: Record<string, string>, sentence: string | RegExp): Case => {
    const given = { ...base, ...values };
    if (host === "CLI") {
      const args = [...(base.args ?? "").split(" ")];
      for (const [flag, value] of Object.entries(values)) args.push(flag, value);
      return { name, host, args, code, sentence };
    }
    return host === "Codefresh"
      ? { name, host, env: given, code, sentence }
      : { name, host, inputs: given, code, sentence };
  };
  return [
    scenario(
      "tag mutability exclusion filter with a slash",
      { [names.mode]: "IMMUTABLE_WITH_EXCLUSION", [names.filters]: "dev/*" },
      `Invalid ${names.filters} "dev/*": use 1-128 letters, digits, and . _ - characters, with * as the wildcard (such as latest or dev-*).`,
    ),
    scenario(
      "tag mutability with exclusion but no filter",
      { [names.mode]: "IMMUTABLE_WITH_EXCLUSION" },
      `Missing ${names.filters}: ${names.mode} IMMUTABLE_WITH_EXCLUSION needs at least one filter naming the tags it excludes (such as latest or dev-*).`,
    ),
    scenario(
      "six tag mutability exclusion filters",
      { [names.mode]: "MUTABLE_WITH_EXCLUSION", [names.filters]: "a,b,c,d,e,f" },
      `Invalid ${names.filters}: ECR takes at most 5 filters (got 6).`,
    ),
    scenario(
      "lifecycle policy file that does not exist",
      { [names.lifecycle]: NO_SUCH_POLICY },
      `Invalid ${names.lifecycle} "${NO_SUCH_POLICY}": no file ${NO_SUCH_POLICY} could be read (ENOENT): give the path of a JSON file, relative to the working directory, or the JSON itself.`,
    ),
    scenario(
      "lifecycle policy without rules",
      { [names.lifecycle]: '{"rulez": []}' },
      `Invalid ${names.lifecycle}: the JSON given is not a lifecycle policy ECR accepts: it needs a "rules" array with at least one rule.`,
    ),
    scenario(
      "repository policy that is not JSON",
      { [names.policy]: '{"Statement": [' },
      new RegExp(
        `^Invalid ${names.policy}: the JSON given is not valid JSON \\(.+\\): fix it, or check the path\\.$`,
      ),
    ),
  ];
}

/**
 * The CLI's scenarios that cannot apply to the GitLab component, and why: each names an input
 * GitLab declines (GITLAB_INPUTS in packages/adapter-gitlab/src/inputs.ts) or a CLI-only option.
 * Every other CLI scenario has a GitLab case of the same name (a test below keeps it so).
 */
const SKIPPED_FOR_GITLAB: Record<string, string> = {
  // The component's inputs are its spec's: GitLab refuses an include with an unknown input when
  // it creates the pipeline, so the job never starts with one (an unknown ECR_PUSH_* variable is
  // no input at all).
  "unknown option": "GitLab itself refuses an input the component's spec lacks, before any job runs",
  // webIdentityTokenFile is declined: GitLab hands the ID token over as a variable (id_tokens).
  // The component always declares one and uses it only with role-arn, so a token without a role
  // is no mistake to report.
  "web identity token file without a role":
    "no web-identity-token-file input: the ID token is a variable, used only with role-arn",
  "web identity token file that does not exist":
    "no web-identity-token-file input: the ID token is a variable (id_tokens), not a file",
  // profile is declined: jobs have no shared AWS config (masked key variables or id_tokens instead).
  "profile that does not exist": "no profile input: jobs have no shared AWS config",
};

/** How each host spells the inputs the ECR Public cases set, and how it ends on bad input. */
const PUBLIC_HOSTS: Record<
  HostName,
  { code: number; names: Record<"repository" | "createRepository" | PublicKey, string> }
> = {
  CLI: {
    code: 2,
    names: {
      repository: "--repository",
      createRepository: "--create-repository",
      publicDescription: "--public-description",
      publicAboutText: "--public-about-text",
      publicUsageText: "--public-usage-text",
      publicArchitectures: "--public-architecture",
      publicOperatingSystems: "--public-operating-system",
      publicLogo: "--public-logo",
    },
  },
  GitHub: {
    code: 1,
    names: {
      repository: "repository",
      createRepository: "create-repository",
      publicDescription: "public-description",
      publicAboutText: "public-about-text",
      publicUsageText: "public-usage-text",
      publicArchitectures: "public-architectures",
      publicOperatingSystems: "public-operating-systems",
      publicLogo: "public-logo",
    },
  },
  Azure: {
    code: 1,
    names: {
      repository: "repositoryName",
      createRepository: "autoCreateRepository",
      publicDescription: "publicDescription",
      publicAboutText: "publicAboutText",
      publicUsageText: "publicUsageText",
      publicArchitectures: "publicArchitectures",
      publicOperatingSystems: "publicOperatingSystems",
      publicLogo: "publicLogo",
    },
  },
  Codefresh: {
    code: 2,
    names: {
      repository: "REPOSITORY",
      createRepository: "CREATE_REPOSITORY",
      publicDescription: "PUBLIC_DESCRIPTION",
      publicAboutText: "PUBLIC_ABOUT_TEXT",
      publicUsageText: "PUBLIC_USAGE_TEXT",
      publicArchitectures: "PUBLIC_ARCHITECTURES",
      publicOperatingSystems: "PUBLIC_OPERATING_SYSTEMS",
      publicLogo: "PUBLIC_LOGO",
    },
  },
  GitLab: {
    code: 2,
    names: {
      repository: "repository",
      createRepository: "create-repository",
      publicDescription: "public-description",
      publicAboutText: "public-about-text",
      publicUsageText: "public-usage-text",
      publicArchitectures: "public-architectures",
      publicOperatingSystems: "public-operating-systems",
      publicLogo: "public-logo",
    },
  },
};
type PublicKey =
  | "publicDescription"
  | "publicAboutText"
  | "publicUsageText"
  | "publicArchitectures"
  | "publicOperatingSystems"
  | "publicLogo";
type PublicValues = Partial<Record<"repository" | "createRepository" | PublicKey, string>>;

/** ECR Public's inputs, bad on every host: the values, and the sentence given the host's spellings. */
const PUBLIC_SCENARIOS: [string, PublicValues, (n: Record<string, string>) => string][] = [
  [
    "ECR Public repository with a capital in its alias",
    { repository: "public.ecr.aws/Bad/web" },
    (n) =>
      `Invalid ${n.repository} "public.ecr.aws/Bad/web": use public.ecr.aws/ALIAS/NAME, ALIAS being your public registry's alias (as in the ECR Public Gallery) and NAME the repository; an alias is 2-50 lowercase letters and digits starting with a letter, with . _ - separators.`,
  ],
  [
    "ECR Public description over 1024 characters",
    { publicDescription: "d".repeat(1025) },
    (n) => `Invalid ${n.publicDescription}: ECR Public takes at most 1024 characters (got 1025).`,
  ],
  [
    "ECR Public about text over 25600 characters",
    { publicAboutText: "a".repeat(25601) },
    (n) => `Invalid ${n.publicAboutText}: ECR Public takes at most 25600 characters (got 25601).`,
  ],
  [
    "ECR Public usage text over 25600 characters",
    { publicUsageText: "u".repeat(25601) },
    (n) => `Invalid ${n.publicUsageText}: ECR Public takes at most 25600 characters (got 25601).`,
  ],
  [
    "ECR Public architecture that is no Gallery badge",
    { publicArchitectures: "amd64" },
    (n) =>
      `Invalid ${n.publicArchitectures} "amd64": use ARM, ARM 64, x86 or x86-64, the values the ECR Public Gallery shows.`,
  ],
  [
    "ECR Public operating system in the wrong case",
    { publicOperatingSystems: "linux" },
    (n) =>
      `Invalid ${n.publicOperatingSystems} "linux": use Linux or Windows, the values the ECR Public Gallery shows (did you mean Linux?).`,
  ],
  [
    "ECR Public logo that does not exist",
    {
      repository: "public.ecr.aws/ecr-local/bad/logo",
      createRepository: "true",
      publicLogo: "/nonexistent/logo.png",
    },
    (n) =>
      `Invalid ${n.publicLogo} "/nonexistent/logo.png": there is no such file, so give the path of the logo image.`,
  ],
  [
    "ECR Public description for a private repository",
    { repository: "bad/web", publicDescription: "x" },
    (n) =>
      `Invalid ${n.publicDescription} "x": it applies to ECR Public repositories only, so set ${n.repository} to public.ecr.aws/ALIAS/NAME or remove ${n.publicDescription}.`,
  ],
];

/** Each ECR Public scenario as a case of every host, its inputs spelled and written as the host writes them. */
function publicCases(): Case[] {
  return PUBLIC_SCENARIOS.flatMap(([name, given, sentence]) =>
    (Object.keys(PUBLIC_HOSTS) as HostName[]).map((host): Case => {
      const { code, names } = PUBLIC_HOSTS[host];
      const values: PublicValues = { repository: "public.ecr.aws/ecr-local/bad/web", ...given };
      const entries = Object.entries(values) as [keyof PublicValues, string][];
      const spelled = Object.fromEntries(entries.map(([key, value]) => [names[key], value]));
      const base = { name, host, code, sentence: sentence(names) };
      if (host === "CLI") {
        const args = ["bad/app:1"];
        for (const [key, value] of entries) {
          if (key === "createRepository") args.push(names[key]);
          else args.push(names[key], value);
        }
        return { ...base, args };
      }
      if (host === "Codefresh") return { ...base, env: { IMAGE: "bad/app:1", ...spelled } };
      if (host === "Azure") {
        return {
          ...base,
          inputs: { imageSource: "imagename", sourceImageName: "bad/app", sourceImageTag: "1", ...spelled },
        };
      }
      return { ...base, inputs: { image: "bad/app:1", ...spelled } };
    }),
  );
}

const CASES: Case[] = [
  ...creationSettingCases(
    "CLI",
    {
      mode: "--image-tag-mutability",
      filters: "--image-tag-mutability-exclusion-filter",
      lifecycle: "--lifecycle-policy",
      policy: "--repository-policy",
    },
    2,
    { args: "bad/app:1 -r bad/web --create-repository" },
  ),
  ...creationSettingCases(
    "GitHub",
    {
      mode: "image-tag-mutability",
      filters: "image-tag-mutability-exclusion-filters",
      lifecycle: "lifecycle-policy",
      policy: "repository-policy",
    },
    1,
    { image: "bad/app:1", repository: "bad/web", "create-repository": "true" },
  ),
  ...creationSettingCases(
    "Azure",
    {
      mode: "imageTagMutability",
      filters: "imageTagMutabilityExclusionFilters",
      lifecycle: "lifecyclePolicy",
      policy: "repositoryPolicy",
    },
    1,
    {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "bad/web",
      autoCreateRepository: "true",
    },
  ),
  ...creationSettingCases(
    "Codefresh",
    {
      mode: "IMAGE_TAG_MUTABILITY",
      filters: "IMAGE_TAG_MUTABILITY_EXCLUSION_FILTERS",
      lifecycle: "LIFECYCLE_POLICY",
      policy: "REPOSITORY_POLICY",
    },
    2,
    { IMAGE: "bad/app:1", REPOSITORY: "bad/web", CREATE_REPOSITORY: "true" },
  ),
  ...creationSettingCases(
    "GitLab",
    {
      mode: "image-tag-mutability",
      filters: "image-tag-mutability-exclusion-filters",
      lifecycle: "lifecycle-policy",
      policy: "repository-policy",
    },
    2,
    { image: "bad/app:1", repository: "bad/web", "create-repository": "true" },
  ),
  // Names and values (exit 2: nothing is sent anywhere).
  cli(
    "repository with capitals and _",
    ["bad/app:1", "-r", "Bad_Repo"],
    2,
    'Invalid --repository "Bad_Repo": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
  ),
  cli(
    "repository with a leading slash",
    ["bad/app:1", "-r", "/team/web"],
    2,
    'Invalid --repository "/team/web": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
  ),
  cli(
    "repository longer than 256",
    ["bad/app:1", "-r", "a".repeat(257)],
    2,
    `Invalid --repository "${"a".repeat(257)}": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).`,
  ),
  cli("missing repository", ["bad/app:1"], 2, "Missing --repository: name the ECR repository to push to."),
  cli(
    "tag with a space",
    ["bad/app:1", "-r", "bad/web", "-t", "bad tag"],
    2,
    'Invalid --tag "bad tag": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.',
  ),
  cli(
    "tag longer than 128",
    ["bad/app:1", "-r", "bad/web", "-t", "t".repeat(129)],
    2,
    `Invalid --tag "${"t".repeat(129)}": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.`,
  ),
  cli(
    "tag starting with a dot",
    ["bad/app:1", "-r", "bad/web", "-t", ".hidden"],
    2,
    'Invalid --tag ".hidden": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.',
  ),
  cli(
    "region that is no region",
    ["bad/app:1", "-r", "bad/web", "--region", "not a region"],
    2,
    'Invalid --region "not a region": use an AWS region code such as us-east-1.',
  ),
  cli(
    "region in capitals and underscores",
    ["bad/app:1", "-r", "bad/web", "--region", "EU_WEST_1"],
    2,
    'Invalid --region "EU_WEST_1": use an AWS region code such as us-east-1 (did you mean eu-west-1?).',
  ),
  cli(
    "dual-stack variable that is not true or false",
    ["bad/app:1", "-r", "bad/web"],
    2,
    'AWS_USE_DUALSTACK_ENDPOINT must be true or false, not "yes": fix it or unset it.',
    { AWS_USE_DUALSTACK_ENDPOINT: "yes" },
  ),
  cli(
    "FIPS variable that is not true or false",
    ["bad/app:1", "-r", "bad/web", "--dual-stack"],
    2,
    'AWS_USE_FIPS_ENDPOINT must be true or false, not "1": fix it or unset it.',
    { AWS_USE_FIPS_ENDPOINT: "1" },
  ),
  cli(
    "registry id of 5 digits",
    ["bad/app:1", "-r", "bad/web", "--registry-id", "12345"],
    2,
    'Invalid --registry-id "12345": use the 12-digit AWS account id of the registry.',
  ),
  cli(
    "registry id with letters",
    ["bad/app:1", "-r", "bad/web", "--registry-id", "12345678901a"],
    2,
    'Invalid --registry-id "12345678901a": use the 12-digit AWS account id of the registry.',
  ),
  cli(
    "image reference with capitals",
    ["Bad/App:1", "-r", "bad/web"],
    2,
    'Invalid SOURCE "Bad/App:1": use a local image name[:tag] such as web:1.4.2, an image ID (sha256:<64 hex> or 12 to 64 hex digits), or docker-archive:PATH or oci:DIR.',
  ),
  cli(
    "image reference with an empty tag",
    ["bad/app:", "-r", "bad/web"],
    2,
    'Invalid SOURCE "bad/app:": use a local image name[:tag] such as web:1.4.2, an image ID (sha256:<64 hex> or 12 to 64 hex digits), or docker-archive:PATH or oci:DIR.',
  ),
  cli(
    "no source at all",
    ["-r", "bad/web"],
    2,
    "Missing SOURCE: name the local image to push, as name[:tag] or an image ID.",
  ),
  cli(
    "unknown option",
    ["bad/app:1", "-r", "bad/web", "--frobnicate"],
    2,
    "Unknown option --frobnicate: run `ecr-push push --help` for the options.",
  ),
  cli(
    "tag mutability that is neither",
    ["bad/app:1", "-r", "bad/web", "--create-repository", "--image-tag-mutability", "SOMETIMES"],
    2,
    'Invalid --image-tag-mutability "SOMETIMES": use MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.',
  ),
  cli(
    "repository tag without =",
    ["bad/app:1", "-r", "bad/web", "--create-repository", "--repository-tag", "team"],
    2,
    'Invalid --repository-tag "team": use KEY=VALUE entries.',
  ),
  cli(
    "concurrency 0",
    ["docker-archive:$ARCHIVE", "-r", "bad/web", "--concurrency", "0"],
    2,
    'Invalid --concurrency "0": use a whole number from 1 to 32.',
    NO_DOCKER,
  ),
  cli(
    "role duration below 900",
    [
      "bad/app:1",
      "-r",
      "bad/web",
      "--role-arn",
      "arn:aws:iam::123456789012:role/x",
      "--role-duration-seconds",
      "60",
    ],
    2,
    'Invalid --role-duration-seconds "60": use a whole number of seconds from 900 to 43200.',
  ),
  cli(
    "role ARN that is no ARN",
    ["bad/app:1", "-r", "bad/web", "--role-arn", "pusher"],
    2,
    'Invalid --role-arn "pusher": use an IAM role ARN such as arn:aws:iam::123456789012:role/ecr-push.',
  ),
  cli(
    "role session name of one character",
    [
      "bad/app:1",
      "-r",
      "bad/web",
      "--role-arn",
      "arn:aws:iam::123456789012:role/x",
      "--role-session-name",
      "a",
    ],
    2,
    'Invalid --role-session-name "a": use 2-64 letters, digits, and + = , . @ - characters.',
  ),
  // Conflicting options.
  cli(
    "external id without a role",
    ["bad/app:1", "-r", "bad/web", "--external-id", "x"],
    2,
    'Invalid --external-id "x": it applies only when assuming a role, so set --role-arn or remove it.',
  ),
  cli(
    "web identity token file without a role",
    ["bad/app:1", "-r", "bad/web", "--web-identity-token-file", "/tmp/token"],
    2,
    "Missing --role-arn: a web identity token needs the ARN of the role to assume with it.",
  ),
  cli(
    "remove-local-image for a docker-archive",
    ["docker-archive:$ARCHIVE", "-r", "bad/web", "--remove-local-image"],
    2,
    "Invalid --remove-local-image: it applies only to a local Docker image, not to docker-archive: sources, so remove it.",
    NO_DOCKER,
  ),
  cli(
    "concurrency with docker push",
    ["bad/app:1", "-r", "bad/web", "--engine", "docker", "--concurrency", "4"],
    2,
    'Invalid --concurrency "4": docker push sets its own concurrency, so remove it or set --engine to auto.',
  ),
  cli(
    "engine that is none of auto, registry, docker",
    ["bad/app:1", "-r", "bad/web", "--engine", "buildkit"],
    2,
    'Invalid --engine "buildkit": use auto, registry, docker (default auto).',
  ),
  cli(
    "compression that is neither gzip nor zstd",
    ["docker-archive:$ARCHIVE", "-r", "bad/web", "--compression", "brotli"],
    2,
    'Invalid --compression "brotli": use gzip or zstd (default gzip).',
    NO_DOCKER,
  ),
  cli(
    "zstd with docker push",
    ["bad/app:1", "-r", "bad/web", "--engine", "docker", "--compression", "zstd"],
    2,
    'Invalid --compression "zstd": docker push always sends gzip layers, so remove it or set --engine to auto.',
  ),
  cli(
    "docker push of a docker-archive",
    ["docker-archive:$ARCHIVE", "-r", "bad/web", "--engine", "docker"],
    2,
    'Invalid --engine "docker": docker push needs a local image, and docker-archive: sources always use the registry engine, so remove it or use auto.',
    NO_DOCKER,
  ),
  cli(
    "platform the index lacks",
    ["oci:$MULTI", "-r", "bad/web", "--platform", "linux/s390x"],
    2,
    'Invalid --platform "linux/s390x": oci:$MULTI has no such platform (it has linux/amd64, linux/arm64/v8), so pick one of those.',
    NO_DOCKER,
  ),
  cli(
    "platform that is not OS/ARCH",
    ["oci:$MULTI", "-r", "bad/web", "--platform", "amd64"],
    2,
    'Invalid --platform "amd64": use OS/ARCH or OS/ARCH/VARIANT, such as linux/amd64 or linux/arm64/v8.',
    NO_DOCKER,
  ),
  cli(
    "platform for a docker-archive",
    ["docker-archive:$ARCHIVE", "-r", "bad/web", "--platform", "linux/amd64"],
    2,
    'Invalid --platform "linux/amd64": it chooses images of a multi-platform index in an oci: source, and a docker-archive holds one image of one platform, so remove it.',
    NO_DOCKER,
  ),
  cli(
    "platform for a local image",
    ["bad/app:1", "-r", "bad/web", "--platform", "linux/amd64"],
    2,
    'Invalid --platform "linux/amd64": it chooses images of a multi-platform index in an oci: source, and a local Docker image holds one image of one platform, so remove it.',
  ),
  cli(
    "platform for an OCI layout of one image",
    ["oci:$LAYOUT", "-r", "bad/web", "--platform", "linux/amd64"],
    2,
    'Invalid --platform "linux/amd64": oci:$LAYOUT is one image, not a multi-platform index, so there is no platform to choose: remove it.',
    NO_DOCKER,
  ),
  // Sources that cannot be read.
  cli(
    "docker-archive that does not exist",
    ["docker-archive:/nonexistent/app.tar", "-r", "bad/web"],
    2,
    "Cannot read docker-archive:/nonexistent/app.tar (it does not exist): check SOURCE.",
    NO_DOCKER,
  ),
  cli(
    "oci layout that does not exist",
    ["oci:/nonexistent/layout", "-r", "bad/web"],
    2,
    "Cannot read oci:/nonexistent/layout (it does not exist): check SOURCE.",
    NO_DOCKER,
  ),
  cli(
    "docker-archive that is not a tar",
    ["docker-archive:$BROKEN", "-r", "bad/web"],
    1,
    "docker-archive:$BROKEN is not a valid image source (bad number in a tar header): write it again with docker save.",
    NO_DOCKER,
  ),
  cli(
    "docker-archive without the named image",
    ["docker-archive:$ARCHIVE:other/app:9", "-r", "bad/web"],
    2,
    "docker-archive:$ARCHIVE:other/app:9 has no image other/app:9 (it has bad/app:1): name one of its images in SOURCE.",
    NO_DOCKER,
  ),
  cli(
    "oci layout with a truncated layer",
    ["oci:$TRUNCATED", "-r", "bad/web"],
    1,
    /^oci:\S+ is not a valid image source \(blob sha256:[a-f0-9]{64} is truncated\): make it again, e\.g\. with skopeo copy \.\.\. oci:DIR\.$/,
    NO_DOCKER,
  ),
  cli(
    "oci layout with a layer whose digest is wrong",
    ["oci:$CORRUPT", "-r", "bad/web"],
    1,
    /^Reading the image source failed while uploading blob (sha256:[a-f0-9]{64}) \(the data read has digest sha256:[a-f0-9]{64}, not \1\): check that the source is complete and unchanged, then push again\.$/,
    NO_DOCKER,
  ),
  // Credentials.
  cli(
    "no credentials anywhere",
    ["bad/app:1", "-r", "bad/web"],
    1,
    "No AWS credentials found: give access keys, a profile, or a role with a web identity token, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), SSO, or container or instance metadata.",
    NO_KEYS,
  ),
  cli(
    "unknown access key",
    ["bad/app:1", "-r", "bad/web"],
    1,
    "AWS rejected the credentials (UnrecognizedClientException): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.",
    {
      AWS_ACCESS_KEY_ID: "AKIAUNKNOWN000000000",
    },
  ),
  cli(
    "wrong secret key",
    ["bad/app:1", "-r", "bad/web"],
    1,
    "AWS rejected the credentials (InvalidSignatureException): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.",
    {
      AWS_SECRET_ACCESS_KEY: "wrong/Secret+Key/bad-input-000000000000",
    },
  ),
  cli(
    "expired temporary credentials",
    ["bad/app:1", "-r", "bad/web"],
    1,
    "The AWS credentials have expired (ExpiredTokenException): get fresh temporary credentials (a new role session or token) and run the push again; if they should still be valid, check the system clock.",
    {
      AWS_ACCESS_KEY_ID: "$EXPIRED_KEY_ID",
      AWS_SECRET_ACCESS_KEY: "$EXPIRED_SECRET",
      AWS_SESSION_TOKEN: "$EXPIRED_TOKEN",
    },
  ),
  cli(
    "expired or forged session token",
    ["bad/app:1", "-r", "bad/web"],
    1,
    "AWS rejected the credentials (UnrecognizedClientException): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.",
    {
      AWS_SESSION_TOKEN: "FwoGZXIvYXdzEXPIRED0000000000000000",
    },
  ),
  cli(
    "profile that does not exist",
    ["bad/app:1", "-r", "bad/web", "--profile", "nobody"],
    1,
    'No AWS credentials found for profile "nobody": check the profile in the shared config and credentials files, and run aws sso login for an SSO profile.',
    {
      ...NO_KEYS,
      AWS_CONFIG_FILE: "/nonexistent/config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
    },
  ),
  cli(
    "web identity token file that does not exist",
    [
      "bad/app:1",
      "-r",
      "bad/web",
      "--role-arn",
      "arn:aws:iam::123456789012:role/x",
      "--web-identity-token-file",
      "/nonexistent/token",
    ],
    1,
    'Could not read the web identity token file "/nonexistent/token" (ENOENT): check that it exists and is readable.',
    NO_KEYS,
  ),
  cli(
    "unknown region (well-formed)",
    ["bad/app:1", "-r", "bad/web", "--region", "xx-nowhere-9"],
    1,
    "ECR at $ENDPOINT does not serve region xx-nowhere-9 (InvalidSignatureException): set the region the endpoint belongs to.",
  ),
  cli("no region anywhere", ["bad/app:1", "-r", "bad/web"], 2, "No AWS region: set --region or AWS_REGION.", {
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_EC2_METADATA_DISABLED: "true",
  }),
  cli(
    "malformed retry setting",
    ["bad/app:1", "-r", "bad/web"],
    2,
    'AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, not "0": fix it or unset it.',
    { AWS_MAX_ATTEMPTS: "0" },
  ),
  cli(
    "unknown retry mode",
    ["bad/app:1", "-r", "bad/web"],
    2,
    'AWS_RETRY_MODE must be standard or adaptive, not "fast": set one of those or unset it.',
    { AWS_RETRY_MODE: "fast" },
  ),
  // The engine, the image and the registry.
  cli(
    "no Docker daemon",
    ["bad/app:1", "-r", "bad/web"],
    1,
    "Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock: start Docker or set DOCKER_HOST.",
    {
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    },
  ),
  cli(
    "no docker executable",
    ["bad/app:1", "-r", "bad/web", "--docker-path", "/nonexistent/docker"],
    1,
    "The docker CLI was not found at /nonexistent/docker: install Docker or correct the docker path.",
  ),
  cli(
    "image that does not exist",
    ["bad/never-built:1", "-r", "bad/web"],
    1,
    'Source image "bad/never-built:1" was not found in the local engine: check SOURCE (docker images lists the local images).',
  ),
  cli(
    "immutable tag already taken",
    ["bad/other:1", "-r", "bad/frozen", "-t", "v1"],
    1,
    /^The tag v1 already exists in bad\/frozen on another image \(sha256:[a-f0-9]{64}\) and the repository's tags are immutable, so nothing was pushed: choose a new tag or make the repository's tags mutable\.$/,
  ),
  cli(
    "immutable tag already taken, through docker push",
    ["bad/other:1", "-r", "bad/frozen", "-t", "v1", "--engine", "docker"],
    1,
    "The tag of $REGISTRY/bad/frozen:v1 already exists and the repository's tags are immutable: push a new tag or make the repository's tags mutable.",
  ),
  cli(
    "repository missing without creation",
    ["bad/app:1", "-r", "bad/absent"],
    1,
    'Repository "bad/absent" does not exist in registry 123456789012 (eu-west-3): create it, or set --create-repository to create it during the push.',
  ),
  cli(
    "registry of another account",
    ["bad/app:1", "-r", "bad/web", "--registry-id", "210987654321"],
    1,
    "AWS denied ecr:DescribeRepositories (AccessDeniedException): allow that action for these credentials in an IAM policy.",
  ),
  cli(
    "registry answering a blob commit with another digest",
    ["oci:$LAYOUT", "-r", "bad/web"],
    1,
    "The registry $PROXY_HOST answered the upload of blob $BLOB to bad/web with digest $WRONG_DIGEST: the data changed on the way, so nothing was tagged; check for a proxy or gateway that rewrites registry traffic, then push again.",
    { ...NO_DOCKER, AWS_ENDPOINT_URL_ECR: "$DIGEST_PROXY" },
  ),
  cli(
    "AWS_CA_BUNDLE that does not exist",
    ["bad/app:1", "-r", "bad/web"],
    1,
    'Could not read the certificate bundle AWS_CA_BUNDLE="/nonexistent/ca.pem" (ENOENT): point AWS_CA_BUNDLE at a readable PEM file or unset it.',
    {
      AWS_CA_BUNDLE: "/nonexistent/ca.pem",
    },
  ),
  // The same mistakes through the CI hosts, named as each host spells its inputs.
  {
    name: "repository name",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "Bad_Repo" },
    code: 1,
    sentence:
      'Invalid repository "Bad_Repo": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
  },
  {
    name: "tag",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "bad/web", tags: "bad tag" },
    code: 1,
    sentence:
      'Invalid tags "bad tag": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.',
  },
  {
    name: "region",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "bad/web", region: "EU_WEST_1" },
    code: 1,
    sentence:
      'Invalid region "EU_WEST_1": use an AWS region code such as us-east-1 (did you mean eu-west-1?).',
  },
  {
    name: "dual-stack",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "bad/web", "dual-stack": "yes" },
    code: 1,
    sentence: 'Invalid dual-stack "yes": use true or false.',
  },
  {
    name: "registry id",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "bad/web", "registry-id": "12345" },
    code: 1,
    sentence: 'Invalid registry-id "12345": use the 12-digit AWS account id of the registry.',
  },
  {
    name: "role duration without a role",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "bad/web", "role-duration-seconds": "3600" },
    code: 1,
    sentence:
      'Invalid role-duration-seconds "3600": it applies only when assuming a role, so set role-to-assume or remove it.',
  },
  {
    name: "secret key without an access key id",
    host: "GitHub",
    inputs: {
      image: "bad/app:1",
      repository: "bad/web",
      "aws-secret-access-key": "bad-input/Secret/0000000000000000000",
    },
    code: 1,
    sentence: "Missing aws-access-key-id: it is required with aws-secret-access-key.",
  },
  {
    name: "session token without keys",
    host: "GitHub",
    inputs: {
      image: "bad/app:1",
      repository: "bad/web",
      "aws-session-token": "bad-input-session-token-000000000000",
    },
    code: 1,
    sentence:
      "Invalid aws-session-token: a session token works only with aws-access-key-id and aws-secret-access-key, so set them or remove it.",
  },
  {
    name: "image that does not exist",
    host: "GitHub",
    inputs: { image: "bad/never-built:1", repository: "bad/web" },
    code: 1,
    sentence:
      'Source image "bad/never-built:1" was not found in the local engine: check image (docker images lists the local images).',
  },
  {
    name: "engine",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "bad/web", engine: "buildkit" },
    code: 1,
    sentence: 'Invalid engine "buildkit": use auto, registry, docker (default auto).',
  },
  {
    name: "compression",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "bad/web", compression: "brotli" },
    code: 1,
    sentence: 'Invalid compression "brotli": use gzip or zstd (default gzip).',
  },
  {
    name: "platforms the index lacks",
    host: "GitHub",
    inputs: { image: "oci:$MULTI", repository: "bad/web", platforms: "linux/amd64\nlinux/s390x" },
    code: 1,
    sentence:
      'Invalid platforms "linux/s390x": oci:$MULTI has no such platform (it has linux/amd64, linux/arm64/v8), so pick one of those.',
  },
  {
    name: "drop-attestations",
    host: "GitHub",
    inputs: { image: "oci:$MULTI", repository: "bad/web", "drop-attestations": "yes" },
    code: 1,
    sentence: 'Invalid drop-attestations "yes": use true or false.',
  },
  {
    name: "repository missing without creation",
    host: "GitHub",
    inputs: { image: "bad/app:1", repository: "bad/absent" },
    code: 1,
    sentence:
      'Repository "bad/absent" does not exist in registry 123456789012 (eu-west-3): create it, or set create-repository to create it during the push.',
  },
  {
    name: "repository name",
    host: "Azure",
    inputs: {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "Bad_Repo",
    },
    code: 1,
    sentence:
      'Invalid repositoryName "Bad_Repo": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
  },
  {
    name: "tag",
    host: "Azure",
    inputs: {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "bad/web",
      pushTag: "bad tag",
    },
    code: 1,
    sentence:
      'Invalid pushTag "bad tag": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.',
  },
  {
    name: "region",
    host: "Azure",
    inputs: {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "bad/web",
      regionName: "EU WEST 1",
    },
    code: 1,
    sentence:
      'Invalid regionName "eu west 1": use an AWS region code such as us-east-1 (did you mean eu-west-1?).',
  },
  {
    name: "dual-stack",
    host: "Azure",
    inputs: {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "bad/web",
      dualStack: "ipv6",
    },
    code: 1,
    sentence: 'Invalid dualStack "ipv6": use true or false.',
  },
  {
    name: "archive that does not exist",
    host: "Azure",
    inputs: {
      imageSource: "archive",
      sourceArchive: "docker-archive:/nonexistent/app.tar",
      repositoryName: "bad/web",
    },
    code: 1,
    sentence: "Cannot read docker-archive:/nonexistent/app.tar (it does not exist): check sourceArchive.",
  },
  {
    name: "archive given as a bare path",
    host: "Azure",
    inputs: {
      imageSource: "archive",
      sourceArchive: "/builds/app.tar",
      repositoryName: "bad/web",
    },
    code: 1,
    sentence:
      'Invalid sourceArchive "/builds/app.tar": write docker-archive:/builds/app.tar for a docker save tarball or oci:/builds/app.tar for an OCI image layout.',
  },
  {
    name: "engine",
    host: "Azure",
    inputs: {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "bad/web",
      engine: "buildkit",
    },
    code: 1,
    sentence: 'Invalid engine "buildkit": use auto, registry, docker (default auto).',
  },
  {
    name: "compression",
    host: "Azure",
    inputs: {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "bad/web",
      engine: "docker",
      compression: "zstd",
    },
    code: 1,
    sentence:
      'Invalid compression "zstd": docker push always sends gzip layers, so remove it or set engine to auto.',
  },
  {
    name: "platforms the index lacks",
    host: "Azure",
    inputs: {
      imageSource: "archive",
      sourceArchive: "oci:$MULTI",
      repositoryName: "bad/web",
      platforms: "linux/s390x",
      dropAttestations: "true",
    },
    code: 1,
    sentence:
      'Invalid platforms "linux/s390x": oci:$MULTI has no such platform (it has linux/amd64, linux/arm64/v8), so pick one of those.',
  },
  {
    name: "platforms for a local image",
    host: "Azure",
    inputs: {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "bad/web",
      platforms: "linux/amd64",
    },
    code: 1,
    sentence:
      'Invalid platforms "linux/amd64": it chooses images of a multi-platform index in an oci: source, and a local Docker image holds one image of one platform, so remove it.',
  },
  {
    name: "repository missing without creation",
    host: "Azure",
    inputs: {
      imageSource: "imagename",
      sourceImageName: "bad/app",
      sourceImageTag: "1",
      repositoryName: "bad/absent",
    },
    code: 1,
    sentence:
      'Repository "bad/absent" does not exist in registry 123456789012 (eu-west-3): create it, or set autoCreateRepository to create it during the push.',
  },
  {
    name: "repository name",
    host: "Codefresh",
    env: { IMAGE: "bad/app:1", REPOSITORY: "Bad_Repo" },
    code: 2,
    sentence:
      'Invalid REPOSITORY "Bad_Repo": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
  },
  {
    name: "registry id",
    host: "Codefresh",
    env: { IMAGE: "bad/app:1", REPOSITORY: "bad/web", REGISTRY_ID: "12345" },
    code: 2,
    sentence: 'Invalid REGISTRY_ID "12345": use the 12-digit AWS account id of the registry.',
  },
  {
    name: "dual-stack",
    host: "Codefresh",
    env: { IMAGE: "bad/app:1", REPOSITORY: "bad/web", DUAL_STACK: "yes" },
    code: 2,
    sentence: 'Invalid DUAL_STACK "yes": use true or false.',
  },
  {
    name: "engine",
    host: "Codefresh",
    env: { IMAGE: "bad/app:1", REPOSITORY: "bad/web", ENGINE: "buildkit" },
    code: 2,
    sentence: 'Invalid ENGINE "buildkit": use auto, registry, docker (default auto).',
  },
  {
    name: "compression",
    host: "Codefresh",
    env: { IMAGE: "bad/app:1", REPOSITORY: "bad/web", COMPRESSION: "brotli" },
    code: 2,
    sentence: 'Invalid COMPRESSION "brotli": use gzip or zstd (default gzip).',
  },
  {
    name: "platforms the index lacks",
    host: "Codefresh",
    env: { IMAGE: "oci:$MULTI", REPOSITORY: "bad/web", PLATFORMS: "linux/s390x" },
    code: 2,
    sentence:
      'Invalid PLATFORMS "linux/s390x": oci:$MULTI has no such platform (it has linux/amd64, linux/arm64/v8), so pick one of those.',
  },
  {
    name: "drop attestations",
    host: "Codefresh",
    env: { IMAGE: "oci:$MULTI", REPOSITORY: "bad/web", DROP_ATTESTATIONS: "yes" },
    code: 2,
    sentence: 'Invalid DROP_ATTESTATIONS "yes": use true or false.',
  },
  {
    name: "no credentials anywhere",
    host: "Codefresh",
    env: { IMAGE: "bad/app:1", REPOSITORY: "bad/web", ...NO_KEYS },
    code: 1,
    sentence:
      "No AWS credentials found: give access keys, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), or container or instance metadata.",
  },
  {
    name: "image that does not exist",
    host: "Codefresh",
    env: { IMAGE: "bad/never-built:1", REPOSITORY: "bad/web" },
    code: 1,
    sentence:
      'Source image "bad/never-built:1" was not found in the local engine: check IMAGE (docker images lists the local images).',
  },
  // GitLab: every CLI scenario above through the component's job, with its inputs as the include
  // writes them (kebab-case, GITLAB_INPUTS in packages/adapter-gitlab/src/inputs.ts) and the
  // sentences naming them so. Those that cannot apply are in SKIPPED_FOR_GITLAB, with the reason.
  gitlab(
    "repository with capitals and _",
    { image: "bad/app:1", repository: "Bad_Repo" },
    2,
    'Invalid repository "Bad_Repo": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
  ),
  gitlab(
    "repository with a leading slash",
    { image: "bad/app:1", repository: "/team/web" },
    2,
    'Invalid repository "/team/web": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).',
  ),
  gitlab(
    "repository longer than 256",
    { image: "bad/app:1", repository: "a".repeat(257) },
    2,
    `Invalid repository "${"a".repeat(257)}": use 2-256 lowercase letters, digits, and . _ - separators, with / between path parts (for example team/web-app).`,
  ),
  gitlab(
    "missing repository",
    { image: "bad/app:1" },
    2,
    "Missing repository: name the ECR repository to push to.",
  ),
  gitlab(
    "tag with a space",
    { image: "bad/app:1", repository: "bad/web", tags: "bad tag" },
    2,
    'Invalid tags "bad tag": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.',
  ),
  gitlab(
    "tag longer than 128",
    { image: "bad/app:1", repository: "bad/web", tags: "t".repeat(129) },
    2,
    `Invalid tags "${"t".repeat(129)}": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.`,
  ),
  gitlab(
    "tag starting with a dot",
    { image: "bad/app:1", repository: "bad/web", tags: "latest,.hidden" },
    2,
    'Invalid tags ".hidden": use up to 128 letters, digits, and _ . - characters, starting with a letter, digit or _.',
  ),
  gitlab(
    "region that is no region",
    { image: "bad/app:1", repository: "bad/web", region: "not a region" },
    2,
    'Invalid region "not a region": use an AWS region code such as us-east-1.',
  ),
  gitlab(
    "region in capitals and underscores",
    { image: "bad/app:1", repository: "bad/web", region: "EU_WEST_1" },
    2,
    'Invalid region "EU_WEST_1": use an AWS region code such as us-east-1 (did you mean eu-west-1?).',
  ),
  gitlab(
    "dual-stack variable that is not true or false",
    { image: "bad/app:1", repository: "bad/web" },
    2,
    'AWS_USE_DUALSTACK_ENDPOINT must be true or false, not "yes": fix it or unset it.',
    { AWS_USE_DUALSTACK_ENDPOINT: "yes" },
  ),
  gitlab(
    "FIPS variable that is not true or false",
    { image: "bad/app:1", repository: "bad/web", "dual-stack": "true" },
    2,
    'AWS_USE_FIPS_ENDPOINT must be true or false, not "1": fix it or unset it.',
    { AWS_USE_FIPS_ENDPOINT: "1" },
  ),
  // GitLab refuses a value outside the input's `options:` when it creates the pipeline; the job
  // gives the same answer when a variable of the merged job overrides ECR_PUSH_DUAL_STACK.
  gitlab(
    "dual-stack that is not true or false",
    { image: "bad/app:1", repository: "bad/web", "dual-stack": "on" },
    2,
    'Invalid dual-stack "on": use true or false.',
  ),
  gitlab(
    "registry id of 5 digits",
    { image: "bad/app:1", repository: "bad/web", "registry-id": "12345" },
    2,
    'Invalid registry-id "12345": use the 12-digit AWS account id of the registry.',
  ),
  gitlab(
    "registry id with letters",
    { image: "bad/app:1", repository: "bad/web", "registry-id": "12345678901a" },
    2,
    'Invalid registry-id "12345678901a": use the 12-digit AWS account id of the registry.',
  ),
  gitlab(
    "image reference with capitals",
    { image: "Bad/App:1", repository: "bad/web" },
    2,
    'Invalid image "Bad/App:1": use a local image name[:tag] such as web:1.4.2, an image ID (sha256:<64 hex> or 12 to 64 hex digits), or docker-archive:PATH or oci:DIR.',
  ),
  gitlab(
    "image reference with an empty tag",
    { image: "bad/app:", repository: "bad/web" },
    2,
    'Invalid image "bad/app:": use a local image name[:tag] such as web:1.4.2, an image ID (sha256:<64 hex> or 12 to 64 hex digits), or docker-archive:PATH or oci:DIR.',
  ),
  gitlab(
    "no source at all",
    { repository: "bad/web" },
    2,
    "Missing image: name the local image to push, as name[:tag] or an image ID, or set source to promote an image from a registry.",
  ),
  // GitLab refuses a value outside the input's `options:` when it creates the pipeline; the job
  // gives the same answer when a variable of the merged job overrides ECR_PUSH_IMAGE_TAG_MUTABILITY.
  gitlab(
    "tag mutability that is neither",
    {
      image: "bad/app:1",
      repository: "bad/web",
      "create-repository": "true",
      "image-tag-mutability": "SOMETIMES",
    },
    2,
    'Invalid image-tag-mutability "SOMETIMES": use MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION.',
  ),
  gitlab(
    "repository tag without =",
    { image: "bad/app:1", repository: "bad/web", "create-repository": "true", "repository-tags": "team" },
    2,
    'Invalid repository-tags "team": use KEY=VALUE entries.',
  ),
  gitlab(
    "concurrency 0",
    { image: "docker-archive:$ARCHIVE", repository: "bad/web", concurrency: "0" },
    2,
    'Invalid concurrency "0": use a whole number from 1 to 32.',
    NO_DOCKER,
  ),
  gitlab(
    "role duration below 900",
    {
      image: "bad/app:1",
      repository: "bad/web",
      "role-arn": "arn:aws:iam::123456789012:role/x",
      "role-duration-seconds": "60",
    },
    2,
    'Invalid role-duration-seconds "60": use a whole number of seconds from 900 to 43200.',
  ),
  gitlab(
    "role ARN that is no ARN",
    { image: "bad/app:1", repository: "bad/web", "role-arn": "pusher" },
    2,
    'Invalid role-arn "pusher": use an IAM role ARN such as arn:aws:iam::123456789012:role/ecr-push.',
  ),
  gitlab(
    "role session name of one character",
    {
      image: "bad/app:1",
      repository: "bad/web",
      "role-arn": "arn:aws:iam::123456789012:role/x",
      "role-session-name": "a",
    },
    2,
    'Invalid role-session-name "a": use 2-64 letters, digits, and + = , . @ - characters.',
  ),
  gitlab(
    "external id without a role",
    { image: "bad/app:1", repository: "bad/web", "role-external-id": "x" },
    2,
    'Invalid role-external-id "x": it applies only when assuming a role, so set role-arn or remove it.',
  ),
  gitlab(
    "remove-local-image for a docker-archive",
    { image: "docker-archive:$ARCHIVE", repository: "bad/web", "remove-local-image": "true" },
    2,
    "Invalid remove-local-image: it applies only to a local Docker image, not to docker-archive: sources, so remove it.",
    NO_DOCKER,
  ),
  gitlab(
    "concurrency with docker push",
    { image: "bad/app:1", repository: "bad/web", engine: "docker", concurrency: "4" },
    2,
    'Invalid concurrency "4": docker push sets its own concurrency, so remove it or set engine to auto.',
  ),
  // As for the tag mutability: `options:` refuses it first in a pipeline; the job says the same.
  gitlab(
    "engine that is none of auto, registry, docker",
    { image: "bad/app:1", repository: "bad/web", engine: "buildkit" },
    2,
    'Invalid engine "buildkit": use auto, registry, docker (default auto).',
  ),
  gitlab(
    "compression that is neither gzip nor zstd",
    { image: "docker-archive:$ARCHIVE", repository: "bad/web", compression: "brotli" },
    2,
    'Invalid compression "brotli": use gzip or zstd (default gzip).',
    NO_DOCKER,
  ),
  gitlab(
    "zstd with docker push",
    { image: "bad/app:1", repository: "bad/web", engine: "docker", compression: "zstd" },
    2,
    'Invalid compression "zstd": docker push always sends gzip layers, so remove it or set engine to auto.',
  ),
  gitlab(
    "docker push of a docker-archive",
    { image: "docker-archive:$ARCHIVE", repository: "bad/web", engine: "docker" },
    2,
    'Invalid engine "docker": docker push needs a local image, and docker-archive: sources always use the registry engine, so remove it or use auto.',
    NO_DOCKER,
  ),
  gitlab(
    "platform the index lacks",
    { image: "oci:$MULTI", repository: "bad/web", platforms: "linux/s390x" },
    2,
    'Invalid platforms "linux/s390x": oci:$MULTI has no such platform (it has linux/amd64, linux/arm64/v8), so pick one of those.',
    NO_DOCKER,
  ),
  gitlab(
    "platform that is not OS/ARCH",
    { image: "oci:$MULTI", repository: "bad/web", platforms: "amd64" },
    2,
    'Invalid platforms "amd64": use OS/ARCH or OS/ARCH/VARIANT, such as linux/amd64 or linux/arm64/v8.',
    NO_DOCKER,
  ),
  gitlab(
    "platform for a docker-archive",
    { image: "docker-archive:$ARCHIVE", repository: "bad/web", platforms: "linux/amd64" },
    2,
    'Invalid platforms "linux/amd64": it chooses images of a multi-platform index in an oci: source, and a docker-archive holds one image of one platform, so remove it.',
    NO_DOCKER,
  ),
  gitlab(
    "platform for a local image",
    { image: "bad/app:1", repository: "bad/web", platforms: "linux/amd64" },
    2,
    'Invalid platforms "linux/amd64": it chooses images of a multi-platform index in an oci: source, and a local Docker image holds one image of one platform, so remove it.',
  ),
  gitlab(
    "platform for an OCI layout of one image",
    { image: "oci:$LAYOUT", repository: "bad/web", platforms: "linux/amd64" },
    2,
    'Invalid platforms "linux/amd64": oci:$LAYOUT is one image, not a multi-platform index, so there is no platform to choose: remove it.',
    NO_DOCKER,
  ),
  gitlab(
    "drop-attestations that is not true or false",
    { image: "oci:$MULTI", repository: "bad/web", "drop-attestations": "yes" },
    2,
    'Invalid drop-attestations "yes": use true or false.',
    NO_DOCKER,
  ),
  gitlab(
    "docker-archive that does not exist",
    { image: "docker-archive:/nonexistent/app.tar", repository: "bad/web" },
    2,
    "Cannot read docker-archive:/nonexistent/app.tar (it does not exist): check image.",
    NO_DOCKER,
  ),
  gitlab(
    "oci layout that does not exist",
    { image: "oci:/nonexistent/layout", repository: "bad/web" },
    2,
    "Cannot read oci:/nonexistent/layout (it does not exist): check image.",
    NO_DOCKER,
  ),
  gitlab(
    "docker-archive that is not a tar",
    { image: "docker-archive:$BROKEN", repository: "bad/web" },
    1,
    "docker-archive:$BROKEN is not a valid image source (bad number in a tar header): write it again with docker save.",
    NO_DOCKER,
  ),
  gitlab(
    "docker-archive without the named image",
    { image: "docker-archive:$ARCHIVE:other/app:9", repository: "bad/web" },
    2,
    "docker-archive:$ARCHIVE:other/app:9 has no image other/app:9 (it has bad/app:1): name one of its images in image.",
    NO_DOCKER,
  ),
  gitlab(
    "oci layout with a truncated layer",
    { image: "oci:$TRUNCATED", repository: "bad/web" },
    1,
    /^oci:\S+ is not a valid image source \(blob sha256:[a-f0-9]{64} is truncated\): make it again, e\.g\. with skopeo copy \.\.\. oci:DIR\.$/,
    NO_DOCKER,
  ),
  // bad/web holds this layout's layers by now (the CLI's case of a registry answering with another
  // digest committed them before the answer was rewritten), and a push skips a layer the repository
  // has without reading it: a repository of GitLab's own, so its job reads these layers itself.
  gitlab(
    "oci layout with a layer whose digest is wrong",
    { image: "oci:$CORRUPT", repository: "bad/gitlab" },
    1,
    /^Reading the image source failed while uploading blob (sha256:[a-f0-9]{64}) \(the data read has digest sha256:[a-f0-9]{64}, not \1\): check that the source is complete and unchanged, then push again\.$/,
    NO_DOCKER,
  ),
  // Credentials: the default chain reads masked AWS_* CI/CD variables, as the job's environment.
  gitlab(
    "no credentials anywhere",
    { image: "bad/app:1", repository: "bad/web" },
    1,
    "No AWS credentials found: give access keys or a role with a web identity token, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), or container or instance metadata.",
    NO_KEYS,
  ),
  gitlab(
    "unknown access key",
    { image: "bad/app:1", repository: "bad/web" },
    1,
    "AWS rejected the credentials (UnrecognizedClientException): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.",
    { AWS_ACCESS_KEY_ID: "AKIAUNKNOWN000000000" },
  ),
  gitlab(
    "wrong secret key",
    { image: "bad/app:1", repository: "bad/web" },
    1,
    "AWS rejected the credentials (InvalidSignatureException): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.",
    { AWS_SECRET_ACCESS_KEY: "wrong/Secret+Key/bad-input-000000000000" },
  ),
  // Given as the component's inputs this time, as its README has keys named for role-arn.
  gitlab(
    "expired temporary credentials",
    {
      image: "bad/app:1",
      repository: "bad/web",
      "aws-access-key-id": "$EXPIRED_KEY_ID",
      "aws-secret-access-key": "$EXPIRED_SECRET",
      "aws-session-token": "$EXPIRED_TOKEN",
    },
    1,
    "The AWS credentials have expired (ExpiredTokenException): get fresh temporary credentials (a new role session or token) and run the push again; if they should still be valid, check the system clock.",
    NO_KEYS,
  ),
  gitlab(
    "expired or forged session token",
    { image: "bad/app:1", repository: "bad/web" },
    1,
    "AWS rejected the credentials (UnrecognizedClientException): check that the access key, secret key and session token belong together and have not expired, and that the system clock is right.",
    { AWS_SESSION_TOKEN: "FwoGZXIvYXdzEXPIRED0000000000000000" },
  ),
  gitlab(
    "unknown region (well-formed)",
    { image: "bad/app:1", repository: "bad/web", region: "xx-nowhere-9" },
    1,
    "ECR at $ENDPOINT does not serve region xx-nowhere-9 (InvalidSignatureException): set the region the endpoint belongs to.",
  ),
  gitlab(
    "no region anywhere",
    { image: "bad/app:1", repository: "bad/web" },
    2,
    "No AWS region: set region or AWS_REGION.",
    { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_EC2_METADATA_DISABLED: "true" },
  ),
  gitlab(
    "malformed retry setting",
    { image: "bad/app:1", repository: "bad/web" },
    2,
    'AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, not "0": fix it or unset it.',
    { AWS_MAX_ATTEMPTS: "0" },
  ),
  gitlab(
    "unknown retry mode",
    { image: "bad/app:1", repository: "bad/web" },
    2,
    'AWS_RETRY_MODE must be standard or adaptive, not "fast": set one of those or unset it.',
    { AWS_RETRY_MODE: "fast" },
  ),
  gitlab(
    "no Docker daemon",
    { image: "bad/app:1", repository: "bad/web" },
    1,
    "Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock: start Docker or set DOCKER_HOST.",
    { DOCKER_HOST: "unix:///nonexistent/docker.sock" },
  ),
  // The component has no docker-path input: the job runs the docker on its image's PATH, so a job
  // image without one (a BASE_IMAGE of the job's Dockerfile lacking it) is this case.
  gitlab(
    "no docker executable",
    { image: "bad/app:1", repository: "bad/web" },
    1,
    "Neither docker nor podman was found on PATH: install Docker (or podman), or add the folder holding it to PATH.",
    { PATH: "/nonexistent" },
  ),
  gitlab(
    "image that does not exist",
    { image: "bad/never-built:1", repository: "bad/web" },
    1,
    'Source image "bad/never-built:1" was not found in the local engine: check image (docker images lists the local images).',
  ),
  gitlab(
    "immutable tag already taken",
    { image: "bad/other:1", repository: "bad/frozen", tags: "v1" },
    1,
    /^The tag v1 already exists in bad\/frozen on another image \(sha256:[a-f0-9]{64}\) and the repository's tags are immutable, so nothing was pushed: choose a new tag or make the repository's tags mutable\.$/,
  ),
  gitlab(
    "immutable tag already taken, through docker push",
    { image: "bad/other:1", repository: "bad/frozen", tags: "v1", engine: "docker" },
    1,
    "The tag of $REGISTRY/bad/frozen:v1 already exists and the repository's tags are immutable: push a new tag or make the repository's tags mutable.",
  ),
  gitlab(
    "repository missing without creation",
    { image: "bad/app:1", repository: "bad/absent" },
    1,
    'Repository "bad/absent" does not exist in registry 123456789012 (eu-west-3): create it, or set create-repository to create it during the push.',
  ),
  gitlab(
    "registry of another account",
    { image: "bad/app:1", repository: "bad/web", "registry-id": "210987654321" },
    1,
    "AWS denied ecr:DescribeRepositories (AccessDeniedException): allow that action for these credentials in an IAM policy.",
  ),
  gitlab(
    "registry answering a blob commit with another digest",
    { image: "oci:$LAYOUT", repository: "bad/gitlab" },
    1,
    "The registry $PROXY_HOST answered the upload of blob $BLOB to bad/gitlab with digest $WRONG_DIGEST: the data changed on the way, so nothing was tagged; check for a proxy or gateway that rewrites registry traffic, then push again.",
    { ...NO_DOCKER, AWS_ENDPOINT_URL_ECR: "$DIGEST_PROXY" },
  ),
  gitlab(
    "AWS_CA_BUNDLE that does not exist",
    { image: "bad/app:1", repository: "bad/web" },
    1,
    'Could not read the certificate bundle AWS_CA_BUNDLE="/nonexistent/ca.pem" (ENOENT): point AWS_CA_BUNDLE at a readable PEM file or unset it.',
    { AWS_CA_BUNDLE: "/nonexistent/ca.pem" },
  ),
  // GitLab's own, and the CI hosts' cases the CLI has no counterpart of.
  gitlab(
    "image and source both",
    { image: "bad/app:1", source: "docker://$REGISTRY/bad/web:1", repository: "bad/web" },
    2,
    "Invalid source: set either image (a local image to push) or source (an image in a registry to promote), not both.",
  ),
  gitlab(
    "role duration without a role",
    { image: "bad/app:1", repository: "bad/web", "role-duration-seconds": "3600" },
    2,
    'Invalid role-duration-seconds "3600": it applies only when assuming a role, so set role-arn or remove it.',
  ),
  gitlab(
    "secret key without an access key id",
    {
      image: "bad/app:1",
      repository: "bad/web",
      "aws-secret-access-key": "bad-input/Secret/0000000000000000000",
    },
    2,
    "Missing aws-access-key-id: it is required with aws-secret-access-key.",
  ),
  gitlab(
    "session token without keys",
    {
      image: "bad/app:1",
      repository: "bad/web",
      "aws-session-token": "bad-input-session-token-000000000000",
    },
    2,
    "Invalid aws-session-token: a session token works only with aws-access-key-id and aws-secret-access-key, so set them or remove it.",
  ),
  // role-arn with id_tokens declared under another name than id-token-variable (so its variable is
  // empty) and no keys: core's sentence, naming only the ways GitLab offers (no profile).
  gitlab(
    "role ARN with an empty ID token variable and no keys",
    { image: "bad/app:1", repository: "bad/web", "role-arn": "arn:aws:iam::123456789012:role/x" },
    1,
    "No AWS credentials found: give access keys or a role with a web identity token, or provide them through the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), or container or instance metadata.",
    { ...NO_KEYS, AWS_ID_TOKEN: undefined },
  ),
  ...publicCases(),
];

describe.runIf(dockerHost)("bad input: one sentence, the documented exit code, nothing pushed", () => {
  const host = dockerHost as string;
  const dir = mkdtempSync(path.join(tmpdir(), "ecr-push-bad-input-"));
  const files = {
    $ARCHIVE: path.join(dir, "app.tar"),
    $LAYOUT: path.join(dir, "layout"),
    $MULTI: path.join(dir, "multi"),
    $TRUNCATED: path.join(dir, "truncated"),
    $CORRUPT: path.join(dir, "corrupt"),
    $BROKEN: path.join(dir, "broken.tar"),
  };
  let fixture: EcrFixture;
  /** Temporary credentials the endpoint issued and that have already expired. */
  let expired = { accessKeyId: "", secretAccessKey: "", sessionToken: "" };
  /** In front of ecr-local: answers the commit of the layout's largest blob with another digest. */
  let digestProxy: FaultProxy;
  let blob = "";
  const tried: { name: string; host: HostName; ok: boolean }[] = [];

  beforeAll(async () => {
    fixture = await EcrFixture.start(host);
    expired = fixture.local.issueTemporaryCredentials(-60);
    await buildTestImage(host, "bad/app:1", { layers: 2, sizeBytes: 2 * 1024 * 1024 });
    await buildTestImage(host, "bad/other:1", { layers: 1 });
    await runOk("docker", ["save", "-o", files.$ARCHIVE, "bad/app:1"], { env: dockerEnv(host) });
    writeFileSync(files.$BROKEN, "this is not a tar archive\n".repeat(100));
    // An index of two platforms with buildx's attestation manifests, as buildx pushes them.
    writeMultiPlatformOciLayout(files.$MULTI);
    // An OCI layout (skopeo copies the image out of the engine) whose largest blob, a layer, lost
    // its second half.
    await runOk("skopeo", [
      "copy",
      "-q",
      "--src-daemon-host",
      host,
      "docker-daemon:bad/app:1",
      `oci:${files.$TRUNCATED}:app`,
    ]);
    cpSync(files.$TRUNCATED, files.$CORRUPT, { recursive: true });
    cpSync(files.$TRUNCATED, files.$LAYOUT, { recursive: true });
    blob = `sha256:${path.basename(largestBlob(files.$LAYOUT).file)}`;
    digestProxy = await FaultProxy.start({
      upstream: fixture.local.endpoint,
      // The final PUT of an upload carries ?digest=; only that blob's commit is rewritten.
      rewriteDigest: ({ method, path: p }) =>
        method === "PUT" &&
        p.includes("/blobs/uploads/") &&
        decodeURIComponent(p.slice(p.indexOf("?"))).includes(blob),
    });
    truncateSync(largestBlob(files.$TRUNCATED).file, Math.floor(largestBlob(files.$TRUNCATED).size / 2));
    // The same layout with one byte of that layer changed: the size is right, the digest is not.
    const corrupt = largestBlob(files.$CORRUPT);
    const bytes = readFileSync(corrupt.file);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    writeFileSync(corrupt.file, bytes);
    await fixture.createRepository("bad/web");
    await fixture.createRepository("bad/gitlab");
    await fixture.createRepository("bad/frozen", { imageTagMutability: "IMMUTABLE" });
    const first = await cliDriver.run(fixture, ["push", "bad/app:1", "-r", "bad/frozen", "-t", "v1"]);
    if (first.code !== 0) throw new Error(`could not push bad/frozen:v1: ${first.stderr}`);
  });
  afterAll(async () => {
    recordFigures("bad-input", {
      order: 50,
      title: "Bad input (table through the CLI and the four CI entries)",
      figures: {
        "bad inputs tried": tried.length,
        "through the CLI": tried.filter((t) => t.host === "CLI").length,
        "through GitHub / Azure / Codefresh": ["GitHub", "Azure", "Codefresh"]
          .map((h) => tried.filter((t) => t.host === h).length)
          .join(" / "),
        "through GitLab": tried.filter((t) => t.host === "GitLab").length,
        "CLI cases skipped for GitLab (inputs it declines, the CLI's option parsing)":
          Object.keys(SKIPPED_FOR_GITLAB).length,
        "answered with the documented exit code and one sentence, nothing pushed": tried.filter((t) => t.ok)
          .length,
      },
      note: "Each case asserts the exit code (CLI and GitLab job: 2 bad input, 1 failure; other CI hosts: a failed step), exactly one error line equal to the documented sentence, no stack trace, and no manifest, tag or repository added to ecr-local; a failed GitLab job also leaves no dotenv report. GitLab runs every CLI case but those naming an input it declines (or the CLI's own option parsing), with its inputs as ECR_PUSH_* variables in a project folder.",
    });
    await digestProxy?.close();
    await fixture?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fill = (value: string) =>
    value
      .replace("$ARCHIVE", files.$ARCHIVE)
      .replace("$LAYOUT", files.$LAYOUT)
      .replace("$MULTI", files.$MULTI)
      .replace("$TRUNCATED", files.$TRUNCATED)
      .replace("$CORRUPT", files.$CORRUPT)
      .replace("$BROKEN", files.$BROKEN)
      .replace("$REGISTRY", fixture.local.registry)
      .replace("$ENDPOINT", fixture.local.endpoint)
      .replace("$ACCOUNT", fixture.local.accountId)
      .replace("$EXPIRED_KEY_ID", expired.accessKeyId)
      .replace("$EXPIRED_SECRET", expired.secretAccessKey)
      .replace("$EXPIRED_TOKEN", expired.sessionToken)
      .replace("$DIGEST_PROXY", digestProxy.endpoint)
      .replace("$PROXY_HOST", digestProxy.host)
      .replace("$WRONG_DIGEST", otherDigest(blob))
      .replace("$BLOB", blob);
  const fillEnv = (env: Env | undefined) =>
    env && Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === undefined ? v : fill(v)]));

  /** Each host through its driver (packages/e2e), as that host would run it, with its defaults. */
  async function run(c: Case): Promise<Outcome> {
    const env = fillEnv(c.env);
    const inputs = Object.fromEntries(Object.entries(c.inputs ?? {}).map(([k, v]) => [k, fill(v)]));
    const outcome = (r: HostRun): Outcome => ({ code: r.code, error: r.error, errors: r.errors, log: r.log });
    if (c.host === "CLI")
      return outcome(await cliDriver.run(fixture, ["push", ...(c.args ?? []).map(fill)], { env }));
    if (c.host === "GitHub") return outcome(await githubDriver.run(fixture, inputs, { env }));
    if (c.host === "Azure") {
      const r = await azureDriver.run(fixture, inputs, { env });
      return { ...outcome(r), code: r.errors.length > 0 ? 1 : r.code };
    }
    if (c.host === "GitLab") {
      // The job's environment: GitLab's predefined variables, the project folder as its working
      // directory, and every ECR_PUSH_* variable from the include's input or else its default.
      const r = await gitlabDriver.run(fixture, inputs, { env });
      return { ...outcome(r), dotenv: r.dotenv };
    }
    // The step's arguments are its environment.
    return outcome(await codefreshDriver.run(fixture, env ?? {}));
  }

  /** What ecr-local holds: repositories, their tags, and how many manifests were ever put. */
  function snapshot() {
    const repos = ["bad/web", "bad/frozen", "bad/absent", "Bad_Repo"].map((name) => [
      name,
      fixture.local.repository(name)?.imageTags ?? null,
    ]);
    return { repos, manifestsPut: fixture.local.stats.manifestsPut };
  }

  it.each(CASES.map((c) => [`${c.host}: ${c.name}`, c] as const))("%s", async (_, c) => {
    const before = snapshot();
    const outcome = await run(c);
    tried.push({ name: c.name, host: c.host, ok: false });
    expect(outcome.code, outcome.log).toBe(c.code);
    expect(outcome.errors, outcome.log).toHaveLength(1);
    if (typeof c.sentence === "string") expect(outcome.error).toBe(fill(c.sentence));
    else expect(outcome.error).toMatch(c.sentence);
    expect(outcome.log).not.toMatch(/\n\s+at \S+ \(|\bat node:|Error: .*\n\s+at /);
    expect(snapshot()).toEqual(before);
    // A failed GitLab job leaves no dotenv report for later jobs to read.
    if (c.host === "GitLab") expect(outcome.dotenv).toBeUndefined();
    (tried.at(-1) as { ok: boolean }).ok = true;
  });

  // The CLI cases GitLab cannot apply are not tests at all (a skipped test would read as a real
  // part missing): SKIPPED_FOR_GITLAB says why each does not apply, the figures list them, and
  // the test below keeps that list honest.
});

describe("the GitLab rows of the bad-input table", () => {
  const names = (host: HostName) => CASES.filter((c) => c.host === host).map((c) => c.name);

  it("try every CLI case on GitLab, or say why it cannot apply", () => {
    const gitlab = new Set(names("GitLab"));
    expect(names("CLI").filter((name) => !gitlab.has(name) && !(name in SKIPPED_FOR_GITLAB))).toEqual([]);
    // A skip is for a case GitLab cannot run, not one it does.
    expect(
      Object.keys(SKIPPED_FOR_GITLAB).filter((name) => gitlab.has(name) || !names("CLI").includes(name)),
    ).toEqual([]);
  });

  it("set every ECR_PUSH_* variable templates/ecr-push.yml hands its job", () => {
    const template = readFileSync(new URL("../../../../templates/ecr-push.yml", import.meta.url), "utf8");
    const handed = [...template.matchAll(/^ {4}(ECR_PUSH_\w+): \$\[\[ inputs\.([\w-]+) \]\]$/gm)];
    expect(handed.length).toBeGreaterThan(0);
    expect(handed.map((m) => `${m[1]}=${m[2]}`).sort()).toEqual(
      Object.values(componentVariableInputs())
        .map((input) => `${gitlabVariable(input)}=${input}`)
        .sort(),
    );
  });
});
