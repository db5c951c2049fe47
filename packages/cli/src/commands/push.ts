import { type InputKey, parsePushRequest, type RawPushInputs } from "@ecr-push/core";
import { parseCommandArgs } from "../cli.js";
import type { CliIO } from "../io.js";
import {
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
      --engine ENGINE             Who pushes a local image: auto (default) or registry (ecr-push itself,
                                  sending only missing layers), or docker (docker push, for a daemon with
                                  registry-mirrors or insecure-registries set for the registry)
      --concurrency N             Blobs uploaded at once, 1 to 32 (default: 4; not with --engine docker)
      --compression C             gzip (default; every client reads it) or zstd (smaller and faster; needs
                                  Node.js 22.15+, pulled by Docker 23+ and containerd 1.5+)
      --json                      Print the result as one JSON object on stdout
  -q, --quiet                     Print only results and errors
      --debug                     Print debug details (never secrets)
  -h, --help                      Show this help

Credentials come from the AWS environment as with the AWS CLI: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, web identity, or container and
instance metadata. AWS_ENDPOINT_URL_ECR points at another ECR endpoint (see \`ecr-push local\`).
The registry engine remembers which compressed blob each layer became in the user's cache folder
(~/.cache/ecr-push on Linux); ECR_PUSH_CACHE_DIR names another.

Output: each pushed image URI on its own line, then REGISTRY/REPOSITORY@DIGEST. With --json, one
object; its tagResults say for each tag whether it was pushed or already named the image (unchanged).
Exit codes: 0 pushed, 2 invalid input or usage, 1 any other failure.

Examples:
  ecr-push push web:1.4.2 -r team/web -t 1.4.2 -t latest --region eu-west-1
  ecr-push push sha256:4f1c... -r team/web -t "$GIT_SHA" --create-repository --scan-on-push
  ecr-push push web -r team/web --role-arn arn:aws:iam::123456789012:role/push --json
  ecr-push push docker-archive:web.tar -r team/web -t 1.4.2
  ecr-push push web:1.4.2 -r team/web --engine docker
  ecr-push push oci:build/layout -r team/web -t 1.4.2 --compression zstd
`;

export { CLI_INPUT_NAMES } from "./inputs.js";

/** What only a push reads. */
const PUSH_KEYS = [
  "removeLocalImage",
  "concurrency",
  "engine",
  "compression",
] as const satisfies readonly InputKey[];

const OPTIONS = {
  ...REPOSITORY_OPTIONS,
  ...TARGET_OPTIONS,
  ...inputOptions(PUSH_KEYS),
  // Not an input of the push (no host has it): which docker executable this process runs.
  "docker-path": { type: "string" },
  ...OUTPUT_OPTIONS,
} as const;

export async function pushCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (values.help) {
    io.stdout(PUSH_HELP);
    return 0;
  }
  const source = singleArgument(positionals, "SOURCE image", "pass other tags with --tag");
  const logger = commandLogger(io, values, true);
  const raw: RawPushInputs = {
    source: source,
    ...repositoryInputs(values),
    ...targetInputs(values),
    ...inputsOf(values, PUSH_KEYS),
  };
  return runAndReport(io, logger, values, async () => {
    const request = parsePushRequest(raw, CLI_INPUT_NAMES);
    // The AWS SDK and the engine load only once the input is known to be good: bad input fails fast.
    const { runPushForCli } = await import("./push-run.js");
    const result = await runPushForCli(request, { io, logger, dockerPath: values["docker-path"] });
    return { result, doc: result };
  });
}
