import * as actions from "@actions/core";
import { runAction } from "./run.js";

// Node prints process warnings (such as the AWS SDK's notice about Node versions) on stderr, where
// a job log shows them like errors; they go to the step's debug log instead.
process.removeAllListeners("warning");
process.on("warning", (warning) => actions.debug(`${warning.name}: ${warning.message}`));

// A cancelled job gets SIGINT, then SIGTERM: the first aborts the push so its cleanup (the private
// DOCKER_CONFIG, local tags) runs; a second exits at once, and the engine's exit hook still cleans up.
const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.on(name, () => {
    if (controller.signal.aborted) process.exit(1);
    controller.abort(new Error(`Cancelled by ${name}.`));
  });
}

await runAction(process.env, controller.signal);
