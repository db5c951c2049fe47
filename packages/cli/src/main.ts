import { runCli } from "./cli.js";
import { abortOnSignals, exitCodeForSignal } from "./host/signals.js";

// Node prints process warnings (such as the AWS SDK's notice about Node versions) straight to
// stderr; in a CI log they read like errors. Show them only with --debug.
process.removeAllListeners("warning");
if (process.argv.includes("--debug")) {
  process.on("warning", (warning) => process.stderr.write(`debug: ${warning.name}: ${warning.message}\n`));
}

const controller = new AbortController();
const signals = abortOnSignals(controller);
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signal: controller.signal,
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
});
signals.dispose();
const signal = signals.received();
// A command that stopped cleanly on a signal (like `local`) exits 0; one it interrupted, 130/143.
process.exitCode = signal && code !== 0 ? exitCodeForSignal(signal) : code;
