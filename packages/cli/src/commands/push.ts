import { type InputNames, isEcrPushError, parsePushRequest, type RawPushInputs } from "@ecr-push/core";
import { parseCommandArgs } from "../cli.js";
import { ConsoleLogger } from "../host/console-logger.js";
import type { CliIO } from "../io.js";
import { UsageError } from "../usage.js";

export const PUSH_HELP = `Usage: ecr-push push SOURCE --repository NAME [options]

Push a local Docker image to an Amazon ECR repository, under one or more tags.
SOURCE is a local image name[:tag] (tag defaults to latest) or an image ID; or, with no
Docker engine needed, docker-archive:PATH[:name:tag] (what docker save writes) or
oci:DIR[:ref] (an OCI image layout, multi-platform indexes included).

Options:
  -r, --repository NAME           ECR repository to push to (required)
  -t, --tag TAG                   Tag to push; repeat or separate with commas (default: latest)
      --region REGION             AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then instance metadata)
      --registry-id ID            12-digit account id of the registry, for cross-account pushes
      --create-repository         Create the repository when it does not exist
      --image-tag-mutability M    MUTABLE or IMMUTABLE, for a created repository (default: MUTABLE)
      --scan-on-push              Turn on scan on push for a created repository
      --kms-key KEY               Encrypt a created repository with this KMS key (default: AES256)
      --repository-tag KEY=VALUE  Resource tag for a created repository; repeatable
      --profile NAME              Shared config profile for credentials
      --role-arn ARN              Role to assume before pushing
      --external-id ID            External id for --role-arn
      --role-session-name NAME    Session name for --role-arn (default: ecr-push)
      --role-duration-seconds N   Session length for --role-arn, 900 to 43200
      --web-identity-token-file F Web identity (OIDC) token file, used with --role-arn
      --remove-local-image        Remove the source image from the local engine after the push
      --docker-path PATH          docker executable to use (default: docker on PATH)
      --concurrency N             docker-archive:/oci: sources: blobs uploaded at once, 1 to 32 (default: 4)
      --json                      Print the result as one JSON object on stdout
  -q, --quiet                     Print only results and errors
      --debug                     Print debug details (never secrets)
  -h, --help                      Show this help

Credentials come from the AWS environment as with the AWS CLI: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, web identity, or container and
instance metadata. AWS_ENDPOINT_URL_ECR points at another ECR endpoint (see \`ecr-push local\`).

Output: each pushed image URI on its own line, then REGISTRY/REPOSITORY@DIGEST.
Exit codes: 0 pushed, 2 invalid input or usage, 1 any other failure.

Examples:
  ecr-push push web:1.4.2 -r team/web -t 1.4.2 -t latest --region eu-west-1
  ecr-push push sha256:4f1c... -r team/web -t "$GIT_SHA" --create-repository --scan-on-push
  ecr-push push web -r team/web --role-arn arn:aws:iam::123456789012:role/push --json
  ecr-push push docker-archive:web.tar -r team/web -t 1.4.2
`;

/** How this host spells each input, so core's error sentences name the flag the user typed. */
export const CLI_INPUT_NAMES: Partial<InputNames> = {
  source: "SOURCE",
  repository: "--repository",
  tags: "--tag",
  region: "--region",
  registryId: "--registry-id",
  createRepository: "--create-repository",
  imageTagMutability: "--image-tag-mutability",
  scanOnPush: "--scan-on-push",
  kmsKey: "--kms-key",
  repositoryTags: "--repository-tag",
  profile: "--profile",
  roleArn: "--role-arn",
  externalId: "--external-id",
  roleSessionName: "--role-session-name",
  roleDurationSeconds: "--role-duration-seconds",
  webIdentityTokenFile: "--web-identity-token-file",
  removeLocalImage: "--remove-local-image",
  concurrency: "--concurrency",
};

const OPTIONS = {
  repository: { type: "string", short: "r" },
  tag: { type: "string", short: "t", multiple: true },
  region: { type: "string" },
  "registry-id": { type: "string" },
  "create-repository": { type: "boolean" },
  "image-tag-mutability": { type: "string" },
  "scan-on-push": { type: "boolean" },
  "kms-key": { type: "string" },
  "repository-tag": { type: "string", multiple: true },
  profile: { type: "string" },
  "role-arn": { type: "string" },
  "external-id": { type: "string" },
  "role-session-name": { type: "string" },
  "role-duration-seconds": { type: "string" },
  "web-identity-token-file": { type: "string" },
  "remove-local-image": { type: "boolean" },
  "docker-path": { type: "string" },
  concurrency: { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function pushCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (values.help) {
    io.stdout(PUSH_HELP);
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError(
      `Expected one SOURCE image but got ${positionals.length}: pass other tags with --tag.`,
    );
  }
  const json = values.json === true;
  const logger = new ConsoleLogger({
    quiet: values.quiet === true,
    debug: values.debug === true,
    live: io.stderrIsTTY === true && values.quiet !== true,
    columns: io.columns,
    write: io.stderr,
  });
  const raw: RawPushInputs = {
    source: positionals[0] ?? "",
    repository: values.repository ?? "",
    tags: values.tag ?? [],
    region: values.region,
    registryId: values["registry-id"],
    createRepository: values["create-repository"],
    imageTagMutability: values["image-tag-mutability"],
    scanOnPush: values["scan-on-push"],
    kmsKey: values["kms-key"],
    repositoryTags: values["repository-tag"],
    profile: values.profile,
    roleArn: values["role-arn"],
    externalId: values["external-id"],
    roleSessionName: values["role-session-name"],
    roleDurationSeconds: values["role-duration-seconds"],
    webIdentityTokenFile: values["web-identity-token-file"],
    removeLocalImage: values["remove-local-image"],
    concurrency: values.concurrency,
  };
  try {
    const request = parsePushRequest(raw, CLI_INPUT_NAMES);
    // The AWS SDK and the engine load only once the input is known to be good: bad input fails fast.
    const { runPushForCli } = await import("./push-run.js");
    const result = await runPushForCli(request, { io, logger, dockerPath: values["docker-path"] });
    if (json) io.stdout(`${JSON.stringify(result)}\n`);
    else
      io.stdout(`${result.imageUris.join("\n")}\n${result.registry}/${result.repository}@${result.digest}\n`);
    return 0;
  } catch (error) {
    if (!isEcrPushError(error)) throw error;
    const message = logger.scrub(error.message);
    io.stderr(`error: ${message}\n`);
    if (values.debug && error.cause instanceof Error)
      io.stderr(`debug: cause: ${logger.scrub(error.cause.message)}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { code: error.code, message } })}\n`);
    return error.kind === "input" ? 2 : 1;
  }
}
