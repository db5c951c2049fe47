import * as actions from "@actions/core";
import { startHostProcess } from "@ecr-push/core";
import { runAction } from "./run.js";

// A cancelled job gets SIGINT, then SIGTERM: the push is aborted and cleans up (the private
// DOCKER_CONFIG, local tags), and the step ends with 128 + the signal number. Process warnings
// go to the step's debug log.
const host = startHostProcess({ warning: (line) => actions.debug(line) });
await runAction(process.env, host.signal);
process.exitCode = host.exitCode(Number(process.exitCode ?? 0));
