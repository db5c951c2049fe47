import { parsePushRequest, type RawPushInputs } from "@ecr-push/core";
import { parseCommandArgs } from "../cli.js";
import type { CliIO } from "../io.js";
import { commandHelp, type OptionHelp } from "../usage.js";
import { commandLogger, OUTPUT_HELP, OUTPUT_OPTIONS, runAndReport, singleArgument } from "./common.js";
import { CLI_INPUT_NAMES, commandInputs, inputHelp, inputOptions, inputsOf } from "./inputs.js";

export { CLI_INPUT_NAMES } from "./inputs.js";

const KEYS = commandInputs("push");

// Not an input of the push (no host has it): which docker executable this process runs.
const DOCKER_PATH: OptionHelp = {
  flag: "docker-path",
  value: "PATH",
  help: "docker (or podman) executable to use (default: docker on PATH, else podman)",
};

export const PUSH_OPTIONS = {
  ...inputOptions(KEYS),
  "docker-path": { type: "string" },
  ...OUTPUT_OPTIONS,
} as const;

export const PUSH_HELP = commandHelp({
  usage: "ecr-push push SOURCE --repository NAME [options]",
  about: `Push a local Docker image to an Amazon ECR repository, under one or more tags.
SOURCE is a local image name[:tag] (tag defaults to latest) or an image ID; or, with no
Docker engine needed, docker-archive:PATH[:name:tag] (what docker save writes) or
oci:DIR[:ref] (an OCI image layout, multi-platform indexes included).`,
  options: [...inputHelp("push", KEYS), DOCKER_PATH, ...OUTPUT_HELP],
  after: `Credentials come from the AWS environment as with the AWS CLI: AWS_ACCESS_KEY_ID,
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
`,
});

export async function pushCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, PUSH_OPTIONS);
  if (values.help) {
    io.stdout(PUSH_HELP);
    return 0;
  }
  const source = singleArgument(positionals, "SOURCE image", "pass other tags with --tag");
  const logger = commandLogger(io, values, true);
  const raw: RawPushInputs = { source: source, ...inputsOf(values, KEYS) };
  return runAndReport(io, logger, values, async () => {
    const request = parsePushRequest(raw, CLI_INPUT_NAMES);
    // The AWS SDK and the engine load only once the input is known to be good: bad input fails fast.
    const { runPushForCli } = await import("./push-run.js");
    const result = await runPushForCli(request, { io, logger, dockerPath: values["docker-path"] });
    return { result, doc: result };
  });
}
