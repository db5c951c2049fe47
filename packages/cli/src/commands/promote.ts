import { type PromoteResult, parsePromoteRequest, promoteRequest, type RawPushInputs } from "@ecr-push/core";
import { parseCommandArgs } from "../cli.js";
import type { CliIO } from "../io.js";
import { commandHelp, UsageError } from "../usage.js";
import {
  cliHost,
  commandLogger,
  OUTPUT_HELP,
  OUTPUT_OPTIONS,
  runAndReport,
  singleArgument,
} from "./common.js";
import { CLI_INPUT_NAMES, commandInputs, inputHelp, inputOptions, inputsOf } from "./inputs.js";
import { type PushJson, pushJsonOf } from "./push-run.js";

/** Promote's spellings: the CLI's one table (push's, plus the source flags). */
export const PROMOTE_INPUT_NAMES = CLI_INPUT_NAMES;

const KEYS = commandInputs("promote");

export const PROMOTE_OPTIONS = { ...inputOptions(KEYS), ...OUTPUT_OPTIONS } as const;

export const PROMOTE_HELP = commandHelp({
  usage: "ecr-push promote SOURCE --repository NAME [--tag TAG]... [options]",
  about: `Copy an image from another registry into an ECR repository without pulling it: blobs stream
from the source straight into ECR (nothing is written to disk), blobs already in the repository
are skipped, and manifests are copied byte for byte, so the digest stays the same. Multi-platform
images keep every platform unless --platform picks some (the digest then changes, and is said).

SOURCE is [docker://]HOST/REPOSITORY[:TAG|@sha256:DIGEST]:
  - an ECR image in any account and region, ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG, read
    with AWS credentials of its own (--source-profile, --source-role-arn, else the default chain);
  - any other registry, read with the credentials \`docker login\` stored for it (DOCKER_CONFIG,
    else ~/.docker/config.json, credential helpers included) or --source-username with
    --source-password-stdin.`,
  options: [...inputHelp("promote", KEYS), ...OUTPUT_HELP],
  after: `Output: each image URI on its own line, then REGISTRY/REPOSITORY@DIGEST. With --json, the
fields of push plus sourceDigest and transfer (blobs copied, skipped and mounted, bytes copied).
Exit codes: 0 promoted, 2 invalid input or usage, 1 any other failure.

Examples:
  ecr-push promote 111111111111.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2 -r web --region eu-west-1 \\
      --source-profile staging-read --profile prod
  ecr-push promote docker://registry.example.com/team/web@sha256:4f1c... -r team/web -t 1.4.2 --create-repository
  echo "$TOKEN" | ecr-push promote docker://ghcr.example.com/org/tool:2 -r tools/tool \\
      --source-username bot --source-password-stdin --platform linux/amd64
`,
});

/** Promote's --json: push's stable fields, plus the source digest and what was transferred. */
export type PromoteJson = PushJson & Pick<PromoteResult, "sourceDigest" | "transfer">;

export async function promoteCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, PROMOTE_OPTIONS);
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
      ...inputsOf(values, KEYS),
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
