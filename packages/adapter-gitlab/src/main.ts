// The job image's entry: `node /opt/ecr-push/index.js`, configured only by the ECR_PUSH_* variables
// templates/ecr-push.yml sets from its inputs (and the job's own CI/CD variables).
import { startHostProcess } from "@ecr-push/core";
import { runJob } from "./run.js";

// GitLab stops a cancelled or timed-out job with SIGTERM: the push is aborted and cleans up, and
// the job ends with 128 + the signal number. Process warnings are not the user's concern.
const host = startHostProcess();
const code = await runJob({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signal: host.signal,
});
process.exitCode = host.exitCode(code);
