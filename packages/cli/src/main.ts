import { runCli } from "./cli.js";
import { abortOnSignals, exitCodeForSignal } from "./host/signals.js";

const controller = new AbortController();
const signals = abortOnSignals(controller);
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signal: controller.signal,
});
signals.dispose();
const signal = signals.received();
// A command that stopped cleanly on a signal (like `local`) exits 0; one it interrupted, 130/143.
process.exitCode = signal && code !== 0 ? exitCodeForSignal(signal) : code;
