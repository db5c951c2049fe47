import { parseRetagRequest, type RawPushInputs, type RetagResult, retagRequest } from "@ecr-push/core";
import { parseCommandArgs } from "../cli.js";
import type { CliIO } from "../io.js";
import { commandHelp } from "../usage.js";
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

const KEYS = commandInputs("retag");

export const RETAG_OPTIONS = { ...inputOptions(KEYS), ...OUTPUT_OPTIONS } as const;

export const RETAG_HELP = commandHelp({
  usage: "ecr-push retag REPOSITORY:TAG|REPOSITORY@DIGEST --tag NEW [options]",
  about: `Add tags to an image already in an ECR repository, without pulling or pushing any layer: one
BatchGetImage, then one PutImage per new tag (the same time whatever the image's size). A tag
that already names the image is left as it is; a tag of an immutable repository that names
another image fails the retag before any tag is written.`,
  options: [...inputHelp("retag", KEYS), ...OUTPUT_HELP],
  after: `Credentials and endpoints come from the AWS environment, as for \`ecr-push push\`.

Output: each image URI on its own line, then REGISTRY/REPOSITORY@DIGEST. With --json, the
fields of push plus sourceDigest (equal to digest) and tagsUnchanged.
Exit codes: 0 tagged, 2 invalid input or usage, 1 any other failure.

Examples:
  ecr-push retag team/web:1.4.2 -t stable -t prod --region eu-west-1
  ecr-push retag team/web@sha256:4f1c... -t "release-$(date +%F)" --json
  ecr-push retag team/web:rc1 -t 1.5.0 --registry-id 123456789012 --role-arn arn:aws:iam::123456789012:role/release
`,
});

/** Retag's --json: push's stable fields, plus the source digest and the tags left unchanged. */
export type RetagJson = PushJson & Pick<RetagResult, "sourceDigest" | "tagsUnchanged">;

export async function retagCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, RETAG_OPTIONS);
  if (values.help) {
    io.stdout(RETAG_HELP);
    return 0;
  }
  const source = singleArgument(
    positionals,
    "image (REPOSITORY:TAG or REPOSITORY@DIGEST)",
    "pass the new tags with --tag",
  );
  const logger = commandLogger(io, values, false);
  const raw: RawPushInputs = { source: source, ...inputsOf(values, KEYS) };
  return runAndReport(io, logger, values, async () => {
    const request = parseRetagRequest(raw, CLI_INPUT_NAMES);
    // The AWS SDK loads only once the input is known to be good (core imports it lazily).
    const result = await retagRequest(request, cliHost(io, logger, CLI_INPUT_NAMES));
    const doc: RetagJson = {
      ...pushJsonOf(result),
      sourceDigest: result.sourceDigest,
      tagsUnchanged: result.tagsUnchanged,
    };
    return { result, doc };
  });
}
