import {
  type InputKey,
  type PromoteResult,
  parsePromoteRequest,
  promoteRequest,
  type RawPushInputs,
} from "@ecr-push/core";
import { parseCommandArgs } from "../cli.js";
import type { CliIO } from "../io.js";
import { UsageError } from "../usage.js";
import {
  cliHost,
  commandLogger,
  OUTPUT_OPTIONS,
  REPOSITORY_OPTIONS,
  repositoryInputs,
  runAndReport,
  singleArgument,
  TARGET_OPTIONS,
  targetInputs,
} from "./common.js";
import { CLI_INPUT_NAMES, inputOptions, inputsOf } from "./inputs.js";
import { type PushJson, pushJsonOf } from "./push-run.js";

export const PROMOTE_HELP = `Usage: ecr-push promote SOURCE --repository NAME [--tag TAG]... [options]

Copy an image from another registry into an ECR repository without pulling it: blobs stream
from the source straight into ECR (nothing is written to disk), blobs already in the repository
are skipped, and manifests are copied byte for byte, so the digest stays the same. Multi-platform
images keep every platform unless --platform picks some (the digest then changes, and is said).

SOURCE is [docker://]HOST/REPOSITORY[:TAG|@sha256:DIGEST]:
  - an ECR image in any account and region, ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG, read
    with AWS credentials of its own (--source-profile, --source-role-arn, else the default chain);
  - any other registry, read with the credentials \`docker login\` stored for it (DOCKER_CONFIG,
    else ~/.docker/config.json, credential helpers included) or --source-username with
    --source-password-stdin.

Options:
  -r, --repository NAME           ECR repository to copy to (required)
  -t, --tag TAG                   Tag in the destination; repeat or separate with commas (default: the source's tag, else latest)
      --region REGION             Destination AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then instance metadata)
      --registry-id ID            12-digit account id of the destination registry
      --create-repository         Create the destination repository when it does not exist
      --image-tag-mutability M    MUTABLE or IMMUTABLE, for a created repository (default: MUTABLE)
      --scan-on-push              Turn on scan on push for a created repository
      --kms-key KEY               Encrypt a created repository with this KMS key (default: AES256)
      --repository-tag KEY=VALUE  Resource tag for a created repository; repeatable
      --platform OS/ARCH[/VAR]    Copy only this platform of a multi-platform image; repeatable
      --profile NAME              Destination: shared config profile for credentials
      --role-arn ARN              Destination: role to assume
      --external-id ID            External id for --role-arn
      --role-session-name NAME    Session name for --role-arn (default: ecr-push)
      --role-duration-seconds N   Session length for --role-arn, 900 to 43200
      --web-identity-token-file F Web identity (OIDC) token file, used with --role-arn
      --source-profile NAME       ECR source: shared config profile (a read-only one is enough)
      --source-role-arn ARN       ECR source: role to assume for reading it
      --source-endpoint-url URL   ECR source: ECR API endpoint of its region, when not the default
      --source-username NAME      Other registries: user name
      --source-password-stdin     Other registries: read the password or token from stdin
      --json                      Print the result as one JSON object on stdout
  -q, --quiet                     Print only results and errors
      --debug                     Print debug details (never secrets)
  -h, --help                      Show this help

Output: each image URI on its own line, then REGISTRY/REPOSITORY@DIGEST. With --json, the
fields of push plus sourceDigest and transfer (blobs copied, skipped and mounted, bytes copied).
Exit codes: 0 promoted, 2 invalid input or usage, 1 any other failure.

Examples:
  ecr-push promote 111111111111.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2 -r web --region eu-west-1 \\
      --source-profile staging-read --profile prod
  ecr-push promote docker://registry.example.com/team/web@sha256:4f1c... -r team/web -t 1.4.2 --create-repository
  echo "$TOKEN" | ecr-push promote docker://ghcr.example.com/org/tool:2 -r tools/tool \\
      --source-username bot --source-password-stdin --platform linux/amd64
`;

/** Promote's spellings: the CLI's one table (push's, plus the source flags). */
export const PROMOTE_INPUT_NAMES = CLI_INPUT_NAMES;

/** What promote adds to push's inputs: where the source is and how to read it. */
const SOURCE_KEYS = [
  "platform",
  "sourceProfile",
  "sourceRoleArn",
  "sourceEndpointUrl",
  "sourceUsername",
  "sourcePassword",
] as const satisfies readonly InputKey[];

const OPTIONS = {
  ...REPOSITORY_OPTIONS,
  ...TARGET_OPTIONS,
  ...inputOptions(SOURCE_KEYS),
  ...OUTPUT_OPTIONS,
} as const;

/** Promote's --json: push's stable fields, plus the source digest and what was transferred. */
export type PromoteJson = PushJson & Pick<PromoteResult, "sourceDigest" | "transfer">;

export async function promoteCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (values.help) {
    io.stdout(PROMOTE_HELP);
    return 0;
  }
  const source = singleArgument(positionals, "SOURCE image", "pass the tags with --tag");
  const logger = commandLogger(io, values, true);
  return runAndReport(io, logger, values, async () => {
    const fromStdin = (values as Record<string, unknown>)["source-password-stdin"] === true;
    const password = fromStdin ? await readStdin() : undefined;
    if (password) logger.mask(password);
    if (fromStdin && !password) {
      throw new UsageError(
        "--source-password-stdin read nothing from stdin: pipe the password or token into ecr-push.",
      );
    }
    const raw: RawPushInputs = {
      source: source,
      ...repositoryInputs(values),
      ...targetInputs(values),
      ...inputsOf(values, SOURCE_KEYS),
      sourcePassword: password,
    };
    const request = parsePromoteRequest(raw, PROMOTE_INPUT_NAMES);
    const result = await promoteRequest(request, cliHost(io, logger, PROMOTE_INPUT_NAMES));
    const doc: PromoteJson = {
      ...pushJsonOf(result),
      sourceDigest: result.sourceDigest,
      transfer: result.transfer,
    };
    return { result, doc };
  });
}

/** The whole of stdin, without its final newline (what `echo "$TOKEN" |` adds). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}
