import { startHostProcess } from "@ecr-push/core";
import { runCli } from "./cli.js";

// Process warnings (such as the AWS SDK's notice about Node versions) would read like errors in a
// CI log: shown only with --debug.
const debug = process.argv.includes("--debug");
const host = startHostProcess({
  warning: debug ? (line) => process.stderr.write(`debug: ${line}\n`) : undefined,
});
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signal: host.signal,
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
});
host.dispose();
process.exitCode = host.exitCode(code);
