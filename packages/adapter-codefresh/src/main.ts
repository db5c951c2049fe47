// The step image's entrypoint: `node dist/index.js`, configured only by environment variables.
import { startHostProcess } from "@ecr-push/core";
import { runStep } from "./run.js";

// Codefresh stops a step with SIGTERM: the push is aborted and cleans up, and the step ends with
// 128 + the signal number. Process warnings are not the user's concern and are dropped.
const host = startHostProcess();
const code = await runStep({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signal: host.signal,
});
process.exitCode = host.exitCode(code);
