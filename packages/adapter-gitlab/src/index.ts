// The job image's entry: `node /opt/ecr-push/index.js`, configured only by the ECR_PUSH_* variables
// templates/ecr-push.yml sets from its inputs (and the job's own CI/CD variables).
import { runJob } from "./job.js";

// Node prints process warnings (such as the AWS SDK's notice about Node versions) straight to
// stderr, where a job log shows them as errors; they are not the user's concern.
process.removeAllListeners("warning");

// GitLab stops a cancelled or timed-out job with SIGTERM: abort the push so its cleanup (temporary
// Docker credentials, local tags) runs, then end with 128 + the signal number. A second signal ends at once.
const controller = new AbortController();
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
let received: keyof typeof EXIT_CODES | undefined;
for (const signal of Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[]) {
  process.on(signal, () => {
    if (received) process.exit(EXIT_CODES[received]);
    received = signal;
    controller.abort(new Error(`Interrupted by ${signal}.`));
  });
}

const code = await runJob({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signal: controller.signal,
});
process.exitCode = received && code !== 0 ? EXIT_CODES[received] : code;
