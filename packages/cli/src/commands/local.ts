import { parseCommandArgs } from "../cli.js";
import type { CliIO } from "../io.js";
import { UsageError } from "../usage.js";

export const LOCAL_HELP = `Usage: ecr-push local [options]

Run a local ECR-compatible endpoint on 127.0.0.1 for offline tests of pipelines: the ECR API
(SigV4-verified), STS role assumption, and a registry for docker push/pull; beside them the ECR
Public API and its registry on localhost:PORT (repositories public.ecr.aws/ecr-local/NAME there).
When ready it prints one JSON line: {"endpoint":...,"registry":...,"publicRegistry":...,
"publicRegistryAlias":...,"accountId":...,"region":...}. Stop it with Ctrl-C.

Options:
  --port N                  Port to listen on (default: a free port)
  --data-dir DIR            Keep repositories and images in DIR (default: a temporary directory)
  --access-key-id KEY       Access key the endpoint accepts (default: AWS_ACCESS_KEY_ID, else generated)
  --secret-access-key KEY   Its secret (default: AWS_SECRET_ACCESS_KEY, else generated)
  --account-id ID           12-digit account id it serves (default: 123456789012)
  --region REGION           Region it reports (default: us-east-1)
  -h, --help                Show this help

Use it with: AWS_ENDPOINT_URL_ECR=<endpoint> AWS_ENDPOINT_URL_STS=<endpoint> ecr-push push ...
(and AWS_ENDPOINT_URL_ECR_PUBLIC=<endpoint> for ECR Public)
`;

const OPTIONS = {
  port: { type: "string" },
  "data-dir": { type: "string" },
  "access-key-id": { type: "string" },
  "secret-access-key": { type: "string" },
  "account-id": { type: "string" },
  region: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function localCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS);
  if (values.help) {
    io.stdout(LOCAL_HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`Unexpected argument "${positionals[0]}": local takes only options.`);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`Invalid --port "${values.port}": use a number from 0 to 65535.`);
    }
  }
  if ((values["access-key-id"] === undefined) !== (values["secret-access-key"] === undefined)) {
    throw new UsageError("Give --access-key-id and --secret-access-key together, or neither.");
  }
  const { runLocalEcrUntilSignal } = await import("@ecr-push/ecr-local");
  await runLocalEcrUntilSignal(
    {
      port,
      dataDir: values["data-dir"],
      accessKeyId: values["access-key-id"],
      secretAccessKey: values["secret-access-key"],
      accountId: values["account-id"],
      region: values.region,
      env: io.env,
    },
    (line) => io.stdout(`${line}\n`),
  );
  return 0;
}
